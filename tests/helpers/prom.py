"""Reading a Prometheus text exposition: scraping it, parsing it with the
independent prometheus_client parser, picking samples by labels, and
checking it with promtool."""

import math
import shutil
import subprocess

from prometheus_client.parser import text_string_to_metric_families

from helpers.http import http_get

PROMTOOL = shutil.which("promtool")


def scrape(port, timeout=2.0):
    status, body = http_get(port, "/metrics", timeout=timeout)
    assert status == 200, f"GET /metrics: {status} {body[:200]}"
    return body


class Exposition:
    """One scrape, parsed: families by name and all samples."""

    def __init__(self, text):
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples = [s for f in self.families.values() for s in f.samples]

    def family(self, name):
        """The family called name; counters are keyed without `_total`
        (prometheus_client's convention)."""
        if name.endswith("_total") and name not in self.families:
            name = name[: -len("_total")]
        assert name in self.families, f"no family {name} in {sorted(self.families)}"
        return self.families[name]

    def select(self, name, **labels):
        """Samples of sample-name `name` whose labels include `labels`."""
        return [s for s in self.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, name, **labels):
        """The sum of the matching samples' values (0 when none match)."""
        return sum(s.value for s in self.select(name, **labels))

    def one(self, name, **labels):
        found = self.select(name, **labels)
        assert len(found) == 1, f"{name}{labels}: {len(found)} samples: {found}"
        return found[0].value

    def buckets(self, name, **labels):
        """[(upper bound, cumulative count)] of one histogram series, in order."""
        out = [(float(s.labels["le"]), s.value) for s in self.select(name + "_bucket", **labels)]
        assert out, f"no {name}_bucket{labels}"
        assert len({tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                    for s in self.select(name + "_bucket", **labels)}) == 1, \
            f"{name}{labels} matches more than one series"
        return sorted(out, key=lambda b: b[0])


def promtool_check(text, only_prefix=None):
    """Runs `promtool check metrics` on the exposition (or only on the lines
    of families starting with only_prefix); returns the CompletedProcess."""
    if only_prefix:
        keep = []
        for line in text.splitlines():
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                name = line.split()[2]
            elif line.startswith("#") or not line.strip():
                continue
            else:
                name = line
            if name.startswith(only_prefix):
                keep.append(line)
        text = "\n".join(keep) + "\n"
    return subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=20)


def is_inf(x):
    return math.isinf(x) and x > 0

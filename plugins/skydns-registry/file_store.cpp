// The file store: a journal of JSON lines, committed in groups. write()
// queues a line; the first sync() that finds no commit running becomes the
// leader: it takes every queued line, writes them with one write(2) to an
// O_APPEND descriptor and fsyncs once, while later writers queue the next
// group. So a crash leaves at most one torn group, and only at the end, and
// writers that arrive while an fsync runs share the next one. The store keeps no copy
// of the services (at 100,000 that would double the registry's memory): it
// counts journal lines, says when compaction_due(), and the registry then
// hands it the durable state to rewrite the journal from.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "plugins/skydns-registry/service_json.h"
#include "core/plugin/plugin_log.h"
#include "plugins/skydns-registry/store.h"

namespace skycore::plugins::skydns_registry {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A rename or a creation is durable only once its directory is synced.
void sync_dir(const std::string& path) {
  std::string dir = parent_dir(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", dir);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail("cannot fsync directory", dir);
}

// Writes all of `data` (regular files rarely write short, but may on a full disk).
bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int fsync_retrying(int fd) {
  int rc;
  do rc = ::fsync(fd);
  while (rc != 0 && errno == EINTR);
  return rc;
}

class FileStore final : public Store {
 public:
  explicit FileStore(std::string path) : path_(std::move(path)) { open_journal(); }
  ~FileStore() override {
    if (fd_ >= 0) ::close(fd_);
  }

  std::vector<Service> load() override {
    std::lock_guard lock(mu_);
    std::map<std::string, Service> state;
    replay(state);
    std::vector<Service> all;
    all.reserve(state.size());
    for (auto& [uuid, s] : state) all.push_back(std::move(s));
    return all;
  }

  Written write(const Change& c) override {
    std::lock_guard lock(mu_);
    if (broken_)
      throw std::runtime_error(path_ + ": journal unusable after an earlier failed fsync");
    queued_lines_ += journal_line(c);
    ++queued_count_;
    Written w;
    w.ticket = ++issued_;
    return w;
  }

  uint64_t sync(uint64_t ticket) override {
    std::unique_lock lock(mu_);
    while (settled_ < ticket) {
      if (committing_) {
        committed_.wait(lock);
        continue;
      }
      commit_group(lock);
    }
    if (failed_locked(ticket)) throw std::runtime_error(failure_);
    return settled_;
  }

  bool failed(uint64_t ticket) const override {
    std::lock_guard lock(mu_);
    return failed_locked(ticket);
  }

  bool compaction_due(size_t live) const override {
    std::lock_guard lock(mu_);
    return lines_ >= std::max<size_t>(kMinCompactLines, 4 * live);
  }

  // Rewrites the journal from what `next` gives, as the only committer:
  // writers go on queueing meanwhile, and their lines go to the new journal.
  void compact(const std::function<bool(Service&)>& next) override {
    std::unique_lock lock(mu_);
    committed_.wait(lock, [&] { return !committing_; });
    committing_ = true;
    lock.unlock();
    std::exception_ptr failure;
    try {
      rewrite(next);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure) lines_ = 0;  // try again after another round of growth
    committing_ = false;
    committed_.notify_all();
    if (failure) std::rethrow_exception(failure);
  }

 private:
  void open_journal() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT) {
      // The parent directory must exist: a typo in the Corefile should be an
      // error, not a fresh empty registry somewhere unexpected.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd_ < 0) fail("cannot create", path_);
      sync_dir(path_);
    }
    if (fd_ < 0) fail("cannot open", path_);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("cannot stat", path_);
    size_ = static_cast<off_t>(st.st_size);
  }

  // Reads the journal into `state`. A bad last line is a write that a crash
  // cut short and that was never acknowledged: it is cut off so the next
  // append starts on a clean line. A bad line before it is real damage.
  void replay(std::map<std::string, Service>& state) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) fail("cannot read", path_);
    lines_ = 0;
    std::string line, bad;
    size_t number = 0, bad_number = 0;
    off_t good_end = 0, offset = 0;
    while (std::getline(in, line)) {
      ++number;
      bool complete = !in.eof();  // getline stopped at a '\n'
      offset += static_cast<off_t>(line.size() + (complete ? 1 : 0));
      if (!bad.empty())
        throw std::runtime_error(path_ + ":" + std::to_string(bad_number) + ": " + bad);
      if (line.empty()) {
        good_end = offset;
        continue;
      }
      Change c;
      std::optional<std::string> err = "line has no end (torn write)";
      if (complete) err = parse_journal_line(line, c);
      if (err) {
        bad = *err;  // fatal only if another line follows
        bad_number = number;
        continue;
      }
      if (c.kind == Change::put) {
        std::string uuid = c.service.uuid;
        state[uuid] = std::move(c.service);
      } else {
        state.erase(c.service.uuid);
      }
      ++lines_;
      good_end = offset;
    }
    if (in.bad()) fail("cannot read", path_);
    if (good_end < size_) {
      plugin_log("skydns-registry", LogLevel::warning, "{}:{}: dropping a torn last line ({})", path_, bad_number, bad);
      if (::ftruncate(fd_, good_end) != 0 || fsync_retrying(fd_) != 0)
        fail("cannot truncate", path_);
      size_ = good_end;
    }
  }

  // The leader's part: commits everything queued, with mu_ released for the
  // write and the fsync so that the next group can queue meanwhile.
  void commit_group(std::unique_lock<std::mutex>& lock) {
    committing_ = true;
    std::string lines;
    lines.swap(queued_lines_);
    const size_t count = queued_count_;
    queued_count_ = 0;
    const uint64_t first = settled_ + 1, last = issued_;
    lock.unlock();
    std::string error = write_group(lines);
    lock.lock();
    if (error.empty()) {
      lines_ += count;
    } else {
      // Failing groups follow each other: one range, however long a disk stays full.
      if (!failed_.empty() && failed_.back().second + 1 == first) failed_.back().second = last;
      else failed_.push_back({first, last});
      failure_ = error;
    }
    settled_ = last;
    committing_ = false;
    committed_.notify_all();
  }

  // Writes and fsyncs one group; "" or what went wrong. Only the leader
  // touches fd_ and size_.
  std::string write_group(const std::string& lines) {
    if (broken_) return path_ + ": journal unusable after an earlier failed fsync";
    if (!write_all(fd_, lines)) {
      std::string error = "cannot write " + path_ + ": " + std::strerror(errno);
      // Undo a partial group so that later ones do not follow garbage (a
      // full disk is survivable: the next group may fit).
      if (::ftruncate(fd_, size_) != 0) broken_ = true;
      return error;
    }
    if (fsync_retrying(fd_) != 0) {
      // After a failed fsync the kernel may have dropped the dirty pages and
      // cleared the error: nothing written later could be trusted.
      broken_ = true;
      return "cannot fsync " + path_ + ": " + std::strerror(errno);
    }
    size_ += static_cast<off_t>(lines.size());
    return "";
  }

  bool failed_locked(uint64_t ticket) const {
    for (const auto& [first, last] : failed_)
      if (ticket >= first && ticket <= last) return true;
    return false;
  }

  // PATH.tmp gets the live state, is synced, and is renamed over PATH; its
  // descriptor then becomes the append descriptor, so there is no moment at
  // which the store has no open journal.
  void rewrite(const std::function<bool(Service&)>& next) {
    if (broken_)
      throw std::runtime_error(path_ + ": journal unusable after an earlier failed fsync");
    std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create", tmp);
    // In pieces of about 1 MB: 100,000 services need no 17 MB string.
    std::string data;
    off_t written = 0;
    bool ok = true;
    size_t count = 0;
    Change c{Change::put};
    for (bool more = next(c.service); more && ok; more = next(c.service)) {
      data += journal_line(c);
      ++count;
      if (data.size() >= (1 << 20)) {
        ok = write_all(fd, data);
        written += static_cast<off_t>(data.size());
        data.clear();
      }
    }
    if (ok && !data.empty()) {
      ok = write_all(fd, data);
      written += static_cast<off_t>(data.size());
    }
    if (!ok || fsync_retrying(fd) != 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      fail("cannot write", tmp);
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      fail("cannot rename over", path_);
    }
    // The committer's own fields: no group commit runs meanwhile.
    ::close(fd_);
    fd_ = fd;
    size_ = written;
    {
      std::lock_guard lock(mu_);
      lines_ = count;
    }
    try {
      sync_dir(path_);
    } catch (...) {
      // The rename may not survive a crash, and appends now go to the new file.
      broken_ = true;
      throw;
    }
  }

  static constexpr size_t kMinCompactLines = 64;

  mutable std::mutex mu_;
  std::condition_variable committed_;  // a group was committed (or failed)
  const std::string path_;
  int fd_ = -1;
  off_t size_ = 0;      // bytes of whole lines in the journal
  size_t lines_ = 0;    // journal lines, to decide when to compact
  std::atomic<bool> broken_ = false;
  // Group commit: tickets 1..issued_ were written, 1..settled_ are durable
  // except those in failed_ (a group that could not be written; rare, kept).
  std::string queued_lines_;
  size_t queued_count_ = 0;
  uint64_t issued_ = 0, settled_ = 0;
  bool committing_ = false;  // a leader is writing a group
  std::vector<std::pair<uint64_t, uint64_t>> failed_;
  std::string failure_;
};

}  // namespace

std::unique_ptr<Store> make_file_store(const std::string& path) {
  return std::make_unique<FileStore>(path);
}

}  // namespace skycore::plugins::skydns_registry

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "plugins/skydns-registry/catalogue.h"

using namespace skycore::plugins::skydns_registry;

namespace {
std::string write(const std::string& name, const std::string& text) {
  auto path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}
std::string error_of(const std::string& path) {
  try {
    read_catalogue(path, WallClock::now());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a catalogue lists services that never expire unless given a TTL") {
  auto path = write("skycore-cat-ok.toml", R"([[service]]
UUID = "pg1"
Name = "Postgres"
Environment = "production"
Region = "east"
Version = "15.2"
Host = "10.1.0.5"
Port = 5432

[[service]]
uuid = "legacy"
name = "mainframe"
environment = "production"
region = "west"
version = "1"
host = "mf.example.com"
port = 23
ttl = 60
)");
  auto services = read_catalogue(path, WallClock::now());
  REQUIRE(services.size() == 2);
  CHECK(services[0].name == "postgres");
  CHECK(services[0].ttl == 0);
  CHECK(services[1].ttl == 60);
  CHECK(services[1].host == "mf.example.com");
  std::filesystem::remove(path);
}

TEST_CASE("catalogue errors name the file and the line") {
  auto bad_syntax = write("skycore-cat-1.toml", "[[service]]\nuuid = \"a\"\nport = = 3\n");
  CHECK(error_of(bad_syntax).find("skycore-cat-1.toml:3:") != std::string::npos);
  auto missing_host = write("skycore-cat-2.toml",
                            "[[service]]\nuuid = \"a\"\nname = \"x\"\nenvironment = \"e\"\nregion = \"r\"\n"
                            "version = \"1\"\nport = 80\n\n[[service]]\nuuid = \"b\"\n");
  CHECK(error_of(missing_host).find("skycore-cat-2.toml:1: missing Host") != std::string::npos);
  auto unknown = write("skycore-cat-3.toml", "\n[[service]]\nuuid = \"a\"\ncolour = \"red\"\n");
  CHECK(error_of(unknown).find("skycore-cat-3.toml:2: unknown field 'colour'") != std::string::npos);
  auto port = write("skycore-cat-4.toml", "[[service]]\nuuid = \"a\"\nport = 70000\n");
  CHECK(error_of(port).find("skycore-cat-4.toml:1: port must be a number from 0 to 65535") != std::string::npos);
  for (const auto& p : {bad_syntax, missing_host, unknown, port}) std::filesystem::remove(p);
}

TEST_CASE("the watch notices an edit once") {
  auto path = write("skycore-cat-watch.toml", "");
  CatalogueWatch w(path);
  CHECK_FALSE(w.changed());
  std::ofstream(path) << "# edited\n";
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  std::filesystem::remove(path);
}

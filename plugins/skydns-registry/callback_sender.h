// Delivers SkyDNS 1 callbacks: when a service goes away, every host that
// asked is sent DELETE http://Reply:Port/skydns/callbacks/UUID; when its
// health status changes, PUT to the same URL with the service as it is now
// (Health included). Up to
// kSenders deliveries run at once, each bounded by kTimeoutSeconds per
// step (connect, send, answer), so one black-holed host delays only its
// own callbacks. One host's callbacks for one UUID go one at a time, in
// order (a status never overtakes a newer one, nothing follows the
// DELETE); a status change queued behind a slow delivery replaces the one
// waiting there, and a DELETE drops the waiting ones, so a flapping check
// holds one slot, not the queue. At shutdown what is queued gets kDrainSeconds to go out;
// whatever is left then is dropped and logged (SkyDNS 1 kept callbacks in
// memory only as well).
#pragma once
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <chrono>

#include "plugins/skydns-registry/service_json.h"
#include "core/plugin/plugin_log.h"

namespace skycore::plugins::skydns_registry {

// One notification: DELETE http://Reply:Port/skydns/callbacks/UUID with the
// removed service as the body, as SkyDNS 1 sent it, or PUT with a service
// whose health status changed.
struct Delivery {
  CallbackTarget target;
  std::string uuid;
  std::string body;
  bool removed = true;  // DELETE; else PUT
};

class CallbackSender {
 public:
  void start() {
    std::lock_guard lock(mu_);
    if (!threads_.empty()) return;
    stopping_ = false;
    for (size_t i = 0; i < kSenders; ++i) threads_.emplace_back([this] { run(); });
  }
  void stop() {
    {
      std::unique_lock lock(mu_);
      if (threads_.empty()) return;
      // Let what is queued go out for a little while before giving up on it.
      drained_.wait_for(lock, std::chrono::seconds(kDrainSeconds), [this] { return queue_.empty() && busy_ == 0; });
      stopping_ = true;
      if (!queue_.empty())
        plugin_log("skydns-registry", LogLevel::warning, "dropping {} undelivered callbacks at shutdown", queue_.size());
      queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void push(Delivery d) {
    {
      std::lock_guard lock(mu_);
      std::string key = d.uuid + ' ' + d.target.reply + ':' + std::to_string(d.target.port);
      if (!d.removed) {
        // The newest status replaces one still waiting for this host.
        for (auto& q : queue_)
          if (!q.d.removed && q.key == key) {
            q.d.body = std::move(d.body);
            return;
          }
      } else {
        std::erase_if(queue_, [&](const Queued& q) { return !q.d.removed && q.key == key; });
      }
      if (queue_.size() >= kMaxQueued) {
        plugin_log("skydns-registry", LogLevel::warning, "callback queue full, dropping callback for {}", d.uuid);
        return;
      }
      queue_.push_back({std::move(key), std::move(d)});
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      // The first waiting delivery whose UUID and host have none under way.
      auto next = queue_.end();
      cv_.wait(lock, [&] {
        if (stopping_) return true;
        next = std::find_if(queue_.begin(), queue_.end(), [&](const Queued& q) { return !sending_.count(q.key); });
        return next != queue_.end();
      });
      if (stopping_) return;
      Delivery d = std::move(next->d);
      std::string key = std::move(next->key);
      queue_.erase(next);
      sending_.insert(key);
      ++busy_;
      lock.unlock();
      deliver(d);
      lock.lock();
      sending_.erase(key);
      --busy_;
      cv_.notify_all();  // one waiting behind this one may go now
      if (queue_.empty() && busy_ == 0) drained_.notify_all();
    }
  }
  static void deliver(const Delivery& d) {
    std::string where = d.target.reply + ":" + std::to_string(d.target.port);
    try {
      Poco::Net::HTTPClientSession session(d.target.reply, d.target.port);
      const Poco::Timespan limit(kTimeoutSeconds, 0);
      session.setTimeout(limit, limit, limit);
      Poco::Net::HTTPRequest req(d.removed ? Poco::Net::HTTPRequest::HTTP_DELETE : Poco::Net::HTTPRequest::HTTP_PUT,
                                 "/skydns/callbacks/" + d.uuid,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(d.body.size()));
      session.sendRequest(req) << d.body;
      Poco::Net::HTTPResponse resp;
      session.receiveResponse(resp);
      if (resp.getStatus() >= 300)
        plugin_log("skydns-registry", LogLevel::warning, "callback {} for {} answered {}", where, d.uuid,
                   static_cast<int>(resp.getStatus()));
    } catch (const Poco::Exception& e) {
      plugin_log("skydns-registry", LogLevel::warning, "callback {} for {} failed: {}", where, d.uuid, e.displayText());
    } catch (const std::exception& e) {
      plugin_log("skydns-registry", LogLevel::warning, "callback {} for {} failed: {}", where, d.uuid, e.what());
    }
  }

  static constexpr size_t kMaxQueued = 4096;
  static constexpr size_t kSenders = 8;
  static constexpr int kTimeoutSeconds = 3;
  static constexpr int kDrainSeconds = 2;
  std::mutex mu_;
  std::condition_variable cv_, drained_;
  struct Queued {
    std::string key;  // what is delivered in order: one UUID to one host
    Delivery d;
  };
  std::deque<Queued> queue_;
  std::set<std::string> sending_;  // keys of the deliveries under way
  size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace skycore::plugins::skydns_registry

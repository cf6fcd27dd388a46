#pragma once
// The HTTP side of `digitnet serve`, on libmicrohttpd: it receives requests within the limits
// below, hands each to the Service, and sends the reply (or streams the training events).
// One thread per connection, at most max_connections of them: the bound on connections is the
// bound on threads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "serve/service.hpp"

namespace digitnet::serve {

struct ServerLimits {
    std::size_t max_body = 64 * 1024;          // a larger body is answered 413 and not read
    std::size_t connection_memory = 32 * 1024; // request line and headers must fit (431 past it)
    unsigned max_connections = 64;             // and so threads
    unsigned max_per_address = 32;             // connections from one client address
    unsigned idle_seconds = 30;                // a connection silent this long is closed
    // A client has this long to send a whole request (line, headers and body) from the moment
    // it connects or its last answer was sent; slower ones are dropped (one byte a second is).
    std::chrono::milliseconds request_deadline{10000};
    unsigned max_streams = 8;                  // event streams at a time (503 past it)
};

struct ServerOptions {
    std::string host = "127.0.0.1";  // a numeric address or a name (localhost)
    std::uint16_t port = 8080;       // 0 = any free port
    ServerLimits limits;
};

class HttpServer {
public:
    // Listens at once; throws digitnet::Error naming the address when it cannot.
    HttpServer(const ServerOptions& options, const Service& service);
    ~HttpServer();  // ends the event streams, closes every connection, waits for their threads
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::uint16_t port() const;
    // "http://127.0.0.1:8080/" (IPv6 addresses in brackets).
    std::string url() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace digitnet::serve

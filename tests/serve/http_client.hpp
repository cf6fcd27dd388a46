#pragma once
// A minimal HTTP client for the server tests: raw bytes over a TCP socket to 127.0.0.1, so that
// a test can send exactly what a hostile client would (truncated, oversized, slow).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace digitnet::testing {

// A connected socket to 127.0.0.1:port with a receive timeout, or -1.
inline int connect_loopback(std::uint16_t port, int timeout_ms = 5000) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool send_all(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

// Everything the server sends until it closes the connection (or the timeout passes).
inline std::string receive_all(int fd) {
    std::string out;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

struct HttpReply {
    int status = 0;       // 0: no reply
    std::string headers;  // the status line and headers
    std::string body;
};

inline HttpReply parse_reply(const std::string& raw) {
    HttpReply r;
    const std::size_t end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stoi(raw.substr(9, 3));
    r.headers = raw.substr(0, end);
    r.body = raw.substr(end + 4);
    return r;
}

// Sends `raw` as it is and reads the reply (the request should say Connection: close).
inline HttpReply raw_request(std::uint16_t port, const std::string& raw) {
    const int fd = connect_loopback(port);
    if (fd < 0) return {};
    send_all(fd, raw);
    const std::string reply = receive_all(fd);
    ::close(fd);
    return parse_reply(reply);
}

inline HttpReply http(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& extra_headers = "") {
    std::string raw = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nConnection: close\r\n" + extra_headers;
    if (method == "POST") raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    raw += "\r\n" + body;
    return raw_request(port, raw);
}

}  // namespace digitnet::testing

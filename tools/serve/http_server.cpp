// The HTTP side of digitnet serve, on libmicrohttpd (http_server.hpp).
#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace digitnet::serve {

namespace {

using Clock = std::chrono::steady_clock;

// One request being received: its body so far.
struct Receiving {
    std::string body;
    bool answered = false;  // refused before its body was read: the rest is discarded
    bool too_long = false;  // the body grew past the cap: the rest is discarded, then 413
};

// One event stream: the last event sent and what is waiting to be sent.
struct Stream {
    HttpServer::Impl* server = nullptr;
    std::size_t last = 0;
    std::string pending;
    std::size_t quiet = 0;  // waits without an event since the last bytes sent
};

// A connection, as the deadline watchdog sees it.
struct Tracked {
    int fd = -1;
    Clock::time_point since;   // when it started waiting for a request
    bool answering = false;    // a reply (or an event stream) is being sent
    bool dropped = false;
};

bool is_loopback(const sockaddr* address) {
    if (address->sa_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr) >> 24) == 127;
    if (address->sa_family == AF_INET6) {
        const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(&a);
    }
    return false;
}

}  // namespace

struct HttpServer::Impl {
    ServerOptions options;
    const Service& service;
    MHD_Daemon* daemon = nullptr;
    std::uint16_t port = 0;
    bool loopback = true;
    bool ipv6 = false;

    std::mutex mutex;  // guards connections
    std::unordered_map<MHD_Connection*, Tracked> connections;
    std::atomic<unsigned> streams{0};
    std::atomic<bool> stopping{false};
    std::condition_variable wake;
    std::thread watchdog;

    Impl(const ServerOptions& o, const Service& s) : options(o), service(s) {}

    void set_answering(MHD_Connection* connection, bool answering) {
        std::lock_guard lock(mutex);
        if (auto it = connections.find(connection); it != connections.end()) {
            it->second.answering = answering;
            it->second.since = Clock::now();
        }
    }

    // Drops the connections that have not sent a whole request in time. shutdown() leaves the
    // descriptor to libmicrohttpd, which sees the connection end and closes it itself.
    void watch() {
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_for(lock, std::chrono::milliseconds(100));
            const Clock::time_point now = Clock::now();
            for (auto& [connection, t] : connections)
                if (!t.answering && !t.dropped && now - t.since > options.limits.request_deadline) {
                    ::shutdown(t.fd, SHUT_RDWR);
                    t.dropped = true;
                }
        }
    }

    // Loopback servers answer only requests addressed to loopback names: a page elsewhere
    // that points a name of its own at 127.0.0.1 (DNS rebinding) is refused.
    bool host_allowed(MHD_Connection* connection) const {
        if (!loopback) return true;
        const char* host = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        if (!host) return true;  // HTTP/1.0 without Host
        std::string name = host;
        if (name.size() > 255) return false;
        if (!name.empty() && name.front() == '[') name = name.substr(0, name.find(']') + 1);
        else name = name.substr(0, name.find(':'));
        return name == "127.0.0.1" || name == "localhost" || name == "[::1]" || name.rfind("127.", 0) == 0;
    }

    MHD_Result send(MHD_Connection* connection, const Reply& reply) {
        MHD_Response* response = MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()),
                                                                 MHD_RESPMEM_MUST_COPY);
        if (!response) return MHD_NO;
        add_headers(response, reply);
        set_answering(connection, true);
        const MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
        MHD_destroy_response(response);
        return result;
    }

    static void add_headers(MHD_Response* response, const Reply& reply) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
        MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(response, "X-Frame-Options", "DENY");
        MHD_add_response_header(response, "Cache-Control", "no-store");
        if (reply.content_type.rfind("text/html", 0) == 0)
            MHD_add_response_header(response, "Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
                                    "base-uri 'none'; frame-ancestors 'none'");
        for (const auto& [name, value] : reply.headers)
            MHD_add_response_header(response, name.c_str(), value.c_str());
    }

    MHD_Result stream(MHD_Connection* connection, const Reply& reply) {
        if (streams.fetch_add(1) >= options.limits.max_streams) {
            streams.fetch_sub(1);
            return send(connection, error_reply(503, "events: too many event streams are open; close one"));
        }
        auto* s = new Stream{this, 0, "retry: 2000\n\n", 0};
        // A reconnecting EventSource says which event it saw last.
        if (const char* last = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Last-Event-ID")) {
            char* end = nullptr;
            const unsigned long long n = std::strtoull(last, &end, 10);
            if (end && *end == '\0' && std::strlen(last) < 20) s->last = static_cast<std::size_t>(n);
        }
        MHD_Response* response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, &Impl::read_events, s,
                                                                   &Impl::end_stream);
        if (!response) {
            end_stream(s);
            return MHD_NO;
        }
        add_headers(response, reply);
        set_answering(connection, true);
        const MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
        MHD_destroy_response(response);
        return result;
    }

    static ssize_t read_events(void* cls, std::uint64_t, char* buffer, std::size_t max) {
        auto* s = static_cast<Stream*>(cls);
        Training& training = s->server->service.training();
        if (s->pending.empty()) {
            if (training.closing() || s->server->stopping) return MHD_CONTENT_READER_END_OF_STREAM;
            for (const TrainEvent& e : training.events_after(s->last, std::chrono::milliseconds(1000))) {
                s->pending += "id: " + std::to_string(e.id) + "\nevent: " + e.kind + "\ndata: " + e.data + "\n\n";
                s->last = e.id;
            }
            if (training.closing() || s->server->stopping) return MHD_CONTENT_READER_END_OF_STREAM;
            // A comment now and then keeps idle proxies and the idle timeout from closing the stream.
            if (s->pending.empty() && ++s->quiet >= 10) s->pending = ": still here\n\n";
            if (s->pending.empty()) return 0;  // libmicrohttpd calls again (this thread waited above)
        }
        s->quiet = 0;
        const std::size_t n = std::min(max, s->pending.size());
        std::memcpy(buffer, s->pending.data(), n);
        s->pending.erase(0, n);
        return static_cast<ssize_t>(n);
    }

    static void end_stream(void* cls) {
        auto* s = static_cast<Stream*>(cls);
        s->server->streams.fetch_sub(1);
        delete s;
    }

    static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                                 const char*, const char* upload_data, std::size_t* upload_data_size, void** state) {
        auto* self = static_cast<Impl*>(cls);
        const std::size_t max_body = self->options.limits.max_body;
        if (!*state) {
            auto* r = new Receiving;
            *state = r;
            if (!self->host_allowed(connection)) {
                r->answered = true;
                return self->send(connection, error_reply(403, "host: this server answers only requests to its loopback address"));
            }
            if (const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
                char* end = nullptr;
                errno = 0;
                const unsigned long long n = std::strtoull(length, &end, 10);
                if (errno || end == length || n > max_body) {
                    r->answered = true;
                    return self->send(connection, error_reply(413, "body: expected at most " + std::to_string(max_body / 1024) +
                                                                       " KiB, found a longer one"));
                }
            }
            return MHD_YES;
        }
        auto* r = static_cast<Receiving*>(*state);
        if (*upload_data_size) {
            // A body without a declared length that grows past the cap is read on and thrown
            // away (libmicrohttpd takes no reply in the middle of a body), then refused; the
            // request deadline bounds how long that may go on.
            if (r->body.size() + *upload_data_size > max_body) r->too_long = true;
            if (!r->too_long) r->body.append(upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (r->answered) return MHD_YES;
        if (r->too_long)
            return self->send(connection, error_reply(413, "body: expected at most " + std::to_string(max_body / 1024) +
                                                               " KiB, found a longer one"));
        Request request{method, url, std::move(r->body)};
        const Reply reply = self->service.handle(request);
        return reply.event_stream ? self->stream(connection, reply) : self->send(connection, reply);
    }

    static void on_completed(void* cls, MHD_Connection* connection, void** state, MHD_RequestTerminationCode) {
        delete static_cast<Receiving*>(*state);
        *state = nullptr;
        static_cast<Impl*>(cls)->set_answering(connection, false);
    }

    static void on_connection(void* cls, MHD_Connection* connection, void**, MHD_ConnectionNotificationCode code) {
        auto* self = static_cast<Impl*>(cls);
        std::lock_guard lock(self->mutex);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
            self->connections[connection] = Tracked{info ? info->connect_fd : -1, Clock::now()};
        } else {
            self->connections.erase(connection);
        }
    }
};

HttpServer::HttpServer(const ServerOptions& options, const Service& service)
    : impl_(std::make_unique<Impl>(options, service)) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options.port);
    if (getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
        throw Error("--host: expected an address of this machine (127.0.0.1, ::1, 0.0.0.0, ...), found " +
                    quote_text(options.host, 80));
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, std::min<std::size_t>(found->ai_addrlen, sizeof address));
    freeaddrinfo(found);
    impl_->loopback = is_loopback(reinterpret_cast<sockaddr*>(&address));
    impl_->ipv6 = address.ss_family == AF_INET6;

    const ServerLimits& l = options.limits;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (impl_->ipv6) flags |= MHD_USE_IPv6;
    impl_->daemon = MHD_start_daemon(
        flags, options.port, nullptr, nullptr, &Impl::on_request, impl_.get(),
        MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),
        MHD_OPTION_CONNECTION_LIMIT, l.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, l.max_per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, l.idle_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, l.connection_memory,
        MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, impl_.get(),
        MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, impl_.get(),
        MHD_OPTION_END);
    if (!impl_->daemon)
        throw Error("serve: cannot listen on " + options.host + " port " + port +
                    " (is another program using it? --port 0 picks a free one)");
    const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
    impl_->port = info ? info->port : options.port;
    impl_->watchdog = std::thread([this] { impl_->watch(); });
}

HttpServer::~HttpServer() {
    impl_->stopping = true;
    impl_->service.training().close();
    impl_->wake.notify_all();
    MHD_stop_daemon(impl_->daemon);
    impl_->watchdog.join();
}

std::uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
    std::string host = impl_->options.host;
    if (host == "0.0.0.0" || host == "::") host = impl_->ipv6 ? "[::1]" : "127.0.0.1";
    else if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace digitnet::serve

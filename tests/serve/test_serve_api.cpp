// digitnet serve's API over HTTP, in-process: every endpoint, every refusal, and the hostile
// clients (truncated, oversized, slow, idle), after which the server still answers.
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "digitnet/image.hpp"
#include "digitnet/presets.hpp"
#include "serve/http_client.hpp"
#include "serve/http_server.hpp"
#include "test_support.hpp"

namespace digitnet::testing {
namespace {

using nlohmann::json;

// A network of `architecture` with weights drawn from seed 1 (no training: the API's shapes
// and refusals do not depend on what it learned).
std::shared_ptr<serve::Model> untrained_model(const std::string& name, Architecture architecture) {
    if (architecture.is_net()) apply_net(architecture);
    Network network(architecture);
    Rng rng(1);
    network.initialize(Init::scaled_normal, rng);
    return std::make_shared<serve::Model>(name, std::move(network), serve::ModelCard{});
}

// 784 pixels with a vertical bar of ink: a "1".
std::vector<float> serve_bar_pixels() {
    std::vector<float> p(784, 0.0f);
    for (int y = 5; y < 23; ++y)
        for (int x = 13; x < 16; ++x) p[static_cast<std::size_t>(y * 28 + x)] = 1.0f;
    return p;
}

std::string pixels_body(const std::vector<float>& pixels, const std::string& extra = "") {
    json j{{"pixels", pixels}};
    std::string body = j.dump();
    if (!extra.empty()) body.insert(body.size() - 1, "," + extra);
    return body;
}

// A server on a free port with an MLP ("mlp", the default) and a CNN ("cnn"), no training data,
// and a one-second request deadline.
struct ServeFixture {
    serve::Models models;
    serve::Training training{models, nullptr, fresh_dir("serve-save").string()};
    serve::Service service{models, training, std::string(DIGITNET_SOURCE_DIR) + "/web"};
    std::unique_ptr<serve::HttpServer> server;
    std::uint16_t port = 0;

    explicit ServeFixture(serve::ServerLimits limits = {}) {
        models.put(untrained_model("mlp", find_preset("default").config.architecture));
        models.put(untrained_model("cnn", find_preset("fast-98").config.architecture));
        serve::ServerOptions options;
        options.port = 0;
        options.limits = limits;
        server = std::make_unique<serve::HttpServer>(options, service);
        port = server->port();
    }
};

serve::ServerLimits quick_limits() {
    serve::ServerLimits l;
    l.request_deadline = std::chrono::milliseconds(1000);
    return l;
}

// A refusal: its status, a JSON {"error"} naming `field`, nothing of the server's insides.
void expect_refusal(const HttpReply& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
    const std::string message = j["error"].get<std::string>();
    EXPECT_EQ(message.rfind(field, 0), 0u) << "'" << message << "' does not start with '" << field << "'";
    for (const char* internal : {"json.exception", "std::", "what()", "terminate", ".cpp", ".hpp"})
        EXPECT_EQ(message.find(internal), std::string::npos) << message;
}

// The server still answers a normal request.
void expect_alive(std::uint16_t port) {
    const HttpReply r = http(port, "POST", "/api/predict", pixels_body(serve_bar_pixels()));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["outputs"].size(), 10u);
}

}  // namespace

TEST(ServeApi, ThePageAndItsFilesAreServedAndNothingElse) {
    ServeFixture f;
    const HttpReply page = http(f.port, "GET", "/");
    EXPECT_EQ(page.status, 200);
    EXPECT_CONTAINS(page.headers, "text/html");
    EXPECT_CONTAINS(page.headers, "Content-Security-Policy");
    EXPECT_CONTAINS(page.body, "<canvas id=\"pad\"");
    EXPECT_CONTAINS(http(f.port, "GET", "/app.js").headers, "text/javascript");
    EXPECT_CONTAINS(http(f.port, "GET", "/style.css").headers, "text/css");
    for (const char* path : {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/..%2fCMakeLists.txt", "/web/index.html",
                             "/index.html/", "/.hidden.js", "/README.md", "/nothing.js", "//etc/passwd"})
        expect_refusal(http(f.port, "GET", path), 404, "path");
    expect_refusal(http(f.port, "POST", "/", "{}"), 405, "method");
    expect_refusal(http(f.port, "GET", "/api/nothing"), 404, "path");
}

TEST(ServeApi, ModelsListsEveryModelAndEachHasACardAndAPicture) {
    ServeFixture f;
    const HttpReply list = http(f.port, "GET", "/api/models");
    ASSERT_EQ(list.status, 200);
    const json models = json::parse(list.body)["models"];
    ASSERT_EQ(models.size(), 2u);
    EXPECT_EQ(models[0]["name"], "mlp");
    EXPECT_EQ(models[0]["kind"], "mlp");
    EXPECT_EQ(models[1]["kind"], "cnn");
    const json card = json::parse(http(f.port, "GET", "/api/models/mlp").body);
    EXPECT_EQ(card["parameters"], 79510);
    EXPECT_EQ(card["layers"].size(), 2u);
    EXPECT_EQ(card["pictures"], "weights");
    EXPECT_EQ(json::parse(http(f.port, "GET", "/api/models/cnn").body)["pictures"], "filters");
    for (const char* name : {"mlp", "cnn"}) {
        const HttpReply png = http(f.port, "GET", std::string("/api/models/") + name + "/weights.png");
        EXPECT_EQ(png.status, 200);
        EXPECT_CONTAINS(png.headers, "image/png");
        EXPECT_EQ(png.body.substr(1, 3), "PNG");
    }
    expect_refusal(http(f.port, "GET", "/api/models/nothing"), 404, "model");
    expect_refusal(http(f.port, "GET", "/api/models/nothing/weights.png"), 404, "model");
    expect_refusal(http(f.port, "GET", "/api/models/%00x"), 404, "model");
    expect_refusal(http(f.port, "POST", "/api/models", "{}"), 405, "method");
    // Only a model trained in this session is saved (a loaded one is a file already).
    expect_refusal(http(f.port, "POST", "/api/models/mlp/save"), 409, "model");
    expect_refusal(http(f.port, "POST", "/api/models/nothing/save"), 404, "model");
}

TEST(ServeApi, AModelFileNamedInLatin1StillHasACard) {
    ServeFixture f;
    serve::ModelCard card;
    card.source = "/scans/mod\xe8le.safetensors";  // "modèle" in Latin-1: not UTF-8
    f.models.put(std::make_shared<serve::Model>("latin", Network(find_preset("default").config.architecture), card));
    const HttpReply r = http(f.port, "GET", "/api/models/latin");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["source"], "mod\xEF\xBF\xBDle.safetensors");  // U+FFFD
}

TEST(ServeApi, PredictAnswersPixelsAndImagesWithTheInputTheNetworkWasGiven) {
    ServeFixture f;
    const HttpReply r = http(f.port, "POST", "/api/predict", pixels_body(serve_bar_pixels()));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_CONTAINS(r.headers, "Server-Timing: predict;dur=");
    const json a = json::parse(r.body);
    EXPECT_EQ(a["model"], "mlp");
    EXPECT_TRUE(a["digit"].is_number_integer());
    EXPECT_EQ(a["outputs"].size(), 10u);
    EXPECT_EQ(a["input"].size(), 784u);
    EXPECT_FALSE(a["blank"].get<bool>());
    EXPECT_FALSE(a.contains("hidden"));

    // inside: the MLP's hidden activations, the CNN's feature maps.
    const json mlp = json::parse(http(f.port, "POST", "/api/predict", pixels_body(serve_bar_pixels(), "\"inside\":true")).body);
    ASSERT_EQ(mlp["hidden"].size(), 1u);
    EXPECT_EQ(mlp["hidden"][0]["values"].size(), 100u);
    EXPECT_EQ(mlp["hidden"][0]["activation"], "relu");
    const json cnn = json::parse(
        http(f.port, "POST", "/api/predict", pixels_body(serve_bar_pixels(), "\"inside\":true,\"model\":\"cnn\"")).body);
    EXPECT_EQ(cnn["model"], "cnn");
    EXPECT_FALSE(cnn["feature_maps"].get<std::string>().empty());

    // raw: the pixels as they are; without it they are cropped and centred.
    const json raw = json::parse(http(f.port, "POST", "/api/predict", pixels_body(serve_bar_pixels(), "\"raw\":true")).body);
    EXPECT_EQ(raw["input"][5 * 28 + 13], 1.0);
    EXPECT_NE(a["input"], raw["input"]);

    // The same picture as a base64 PNG gets the same answer.
    const std::vector<std::uint8_t> png = encode_png([] {
        RgbImage im(28, 28, {0, 0, 0});
        const auto p = serve_bar_pixels();
        for (std::size_t i = 0; i < 784; ++i)
            if (p[i] > 0) im.set(i % 28, i / 28, {255, 255, 255});
        return im;
    }());
    const json from_png = json::parse(
        http(f.port, "POST", "/api/predict", json{{"image", serve::encode_base64(png)}}.dump()).body);
    EXPECT_EQ(from_png["digit"], a["digit"]);
    EXPECT_EQ(from_png["input"], a["input"]);
    const json data_url = json::parse(http(f.port, "POST", "/api/predict",
                                           json{{"image", "data:image/png;base64," + serve::encode_base64(png)}}.dump())
                                          .body);
    EXPECT_EQ(data_url["input"], a["input"]);
}

TEST(ServeApi, ABlankOrNearlyBlankPictureGetsDrawADigitAndNoGuess) {
    ServeFixture f;
    std::vector<float> speck(784, 0.0f);
    speck[14 * 28 + 14] = 1.0f;
    for (const auto& pixels : {std::vector<float>(784, 0.0f), speck, std::vector<float>(784, 1.0f)}) {
        const HttpReply r = http(f.port, "POST", "/api/predict", pixels_body(pixels));
        ASSERT_EQ(r.status, 200) << r.body;
        const json a = json::parse(r.body);
        EXPECT_TRUE(a["blank"].get<bool>());
        EXPECT_TRUE(a["digit"].is_null());
        EXPECT_EQ(a["message"], "draw a digit");
    }
}

TEST(ServeApi, PredictRefusesEveryMalformedFieldNamingIt) {
    ServeFixture f;
    auto refuse = [&](const std::string& body, int status, const std::string& field) {
        SCOPED_TRACE(body.substr(0, 80));
        expect_refusal(http(f.port, "POST", "/api/predict", body), status, field);
    };
    std::vector<float> p = serve_bar_pixels();
    refuse("", 400, "body");
    refuse("{\"pixels\": [1, 2", 400, "body");
    refuse("[1, 2, 3]", 400, "body");
    refuse("\"pixels\"", 400, "body");
    refuse("{\"image\": \"\xff\xfe\"}", 400, "body");  // not UTF-8
    refuse("{\"pixels\": NaN}", 400, "body");
    refuse("{}", 400, "pixels");
    refuse("{\"pixels\": \"0,1\"}", 400, "pixels");
    refuse("{\"pixels\": [0.5, 0.5]}", 400, "pixels");
    refuse(json{{"pixels", std::vector<float>(785, 0.0f)}}.dump(), 400, "pixels");
    std::string text = pixels_body(p);
    refuse("{\"pixels\": [\"a\"" + std::string(text.substr(text.find('[') + 4)), 400, "pixels[0]");
    p[3] = 1.5f;
    refuse(pixels_body(p), 400, "pixels[3]");
    p[3] = -0.1f;
    refuse(pixels_body(p), 400, "pixels[3]");
    {
        std::string huge = pixels_body(serve_bar_pixels());
        huge.replace(huge.find('[') + 1, 3, "1e999");  // overflows a double
        const HttpReply r = http(f.port, "POST", "/api/predict", huge);
        EXPECT_EQ(r.status, 400) << r.body;
    }
    refuse(pixels_body(serve_bar_pixels(), "\"image\":\"AAAA\""), 400, "pixels, image");
    refuse("{\"image\": 12}", 400, "image");
    refuse("{\"image\": \"\"}", 400, "image");
    refuse("{\"image\": \"not base64!\"}", 400, "image");
    refuse("{\"image\": \"QUJD\"}", 400, "image");  // "ABC": no image decoder reads it
    refuse("{\"image\": \"data:image/png,QUJD\"}", 400, "image");
    {
        // A PNG that declares 100000x100000 pixels in 33 bytes is refused before it is decoded.
        std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        put_be32(png, 100000);
        put_be32(png, 100000);
        for (std::uint8_t b : {8, 0, 0, 0, 0, 0, 0, 0, 0}) png.push_back(b);
        const HttpReply r = http(f.port, "POST", "/api/predict", json{{"image", serve::encode_base64(png)}}.dump());
        expect_refusal(r, 400, "image");
        EXPECT_CONTAINS(r.body, "100000x100000");
        // A BMP is an image predict reads, but not one the API takes.
        refuse(json{{"image", serve::encode_base64({'B', 'M', 0, 0, 0, 0})}}.dump(), 400, "image");
    }
    refuse(pixels_body(serve_bar_pixels(), "\"raw\":1"), 400, "raw");
    refuse(pixels_body(serve_bar_pixels(), "\"inside\":\"yes\""), 400, "inside");
    refuse(pixels_body(serve_bar_pixels(), "\"model\":3"), 400, "model");
    refuse(pixels_body(serve_bar_pixels(), "\"model\":\"../x\""), 400, "model");
    refuse(pixels_body(serve_bar_pixels(), "\"model\":\"nothing\""), 404, "model");
    refuse(pixels_body(serve_bar_pixels(), "\"colour\":true"), 400, "body");
    expect_refusal(http(f.port, "GET", "/api/predict"), 405, "method");
    expect_alive(f.port);
}

TEST(ServeApi, TrainingIsRefusedWithoutDataAndEveryBadFieldIsNamed) {
    ServeFixture f;
    const json status = json::parse(http(f.port, "GET", "/api/train").body);
    EXPECT_FALSE(status["running"].get<bool>());
    EXPECT_FALSE(status["available"].get<bool>());
    EXPECT_GE(status["presets"].size(), 5u);
    expect_refusal(http(f.port, "POST", "/api/train", "{\"epochs\": 2}"), 503, "training");
    for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
             {"{\"epochs\": 0}", "epochs"},
             {"{\"epochs\": 21}", "epochs"},
             {"{\"epochs\": \"2\"}", "epochs"},
             {"{\"epochs\": 2.5}", "epochs"},
             {"{\"epochs\": -1}", "epochs"},
             {"{\"epochs\": 1e300}", "epochs"},
             {"{\"examples\": 99}", "examples"},
             {"{\"examples\": 60001}", "examples"},
             {"{\"preset\": \"nothing\"}", "preset"},
             {"{\"preset\": 1}", "preset"},
             {"{\"lr\": 1}", "body"},
             {"not json", "body"}})
        expect_refusal(http(f.port, "POST", "/api/train", body), 400, field);
    expect_refusal(http(f.port, "POST", "/api/train/stop"), 409, "training");
    expect_refusal(http(f.port, "DELETE", "/api/train"), 405, "method");
    expect_refusal(http(f.port, "GET", "/api/train/stop"), 405, "method");
}

TEST(ServeApi, TheEventStreamOpensAndTheServerStopsWithItOpen) {
    auto f = std::make_unique<ServeFixture>();
    const int fd = connect_loopback(f->port, 3000);
    ASSERT_GE(fd, 0);
    send_all(fd, "GET /api/train/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    char buffer[512];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    const std::string head(buffer, static_cast<std::size_t>(n));
    EXPECT_CONTAINS(head, "text/event-stream");
    const auto start = std::chrono::steady_clock::now();
    f.reset();  // must not wait for the client
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    ::close(fd);
}

TEST(ServeApi, OversizedBodiesAndHeadersAreRefusedAndTheServerAnswersOn) {
    ServeFixture f;
    // A declared length past the cap: refused before the body is read.
    expect_refusal(raw_request(f.port, "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                       "Content-Length: 100000000\r\n\r\n{"),
                   413, "body");
    // A chunked body that grows past it.
    std::string chunked = "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int k = 0; k < 80; ++k) chunked += "400\r\n" + std::string(1024, ' ') + "\r\n";
    chunked += "0\r\n\r\n";
    expect_refusal(raw_request(f.port, chunked), 413, "body");
    // A header past the connection's memory: libmicrohttpd's own 431.
    const HttpReply big = raw_request(f.port, "GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                                  std::string(40000, 'a') + "\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(big.status == 431 || big.status == 413 || big.status == 0) << big.status;
    // A Host that is not loopback (DNS rebinding) is refused.
    expect_refusal(raw_request(f.port, "GET /api/models HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"), 403,
                   "host");
    expect_alive(f.port);
}

TEST(ServeApi, TruncatedGarbledSlowAndIdleClientsLeaveTheServerAnswering) {
    ServeFixture f(quick_limits());
    // Truncated: a body shorter than its length, then the connection closed.
    for (const std::string& raw : {std::string("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{\"pix"),
                                   std::string("GET /api/mod"), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
                                   std::string("GET / HTTP/9.9\r\n\r\n"), std::string("\r\n\r\n\r\n")}) {
        const int fd = connect_loopback(f.port, 2000);
        ASSERT_GE(fd, 0);
        send_all(fd, raw);
        ::close(fd);
    }
    expect_alive(f.port);
    // Slow: a byte every 200 ms is dropped at the one-second deadline, long before its request ends.
    {
        const int fd = connect_loopback(f.port, 3000);
        ASSERT_GE(fd, 0);
        const std::string request = "GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a');
        const auto start = std::chrono::steady_clock::now();
        bool dropped = false;
        for (char c : request) {
            if (!send_all(fd, std::string(1, c))) {
                dropped = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            char probe;
            if (::recv(fd, &probe, 1, MSG_DONTWAIT) == 0) {
                dropped = true;
                break;
            }
        }
        EXPECT_TRUE(dropped);
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
        ::close(fd);
    }
    // Idle: more connections than one address may hold, all silent; the server answers once they go.
    std::vector<int> idle;
    for (int k = 0; k < 80; ++k) {
        const int fd = connect_loopback(f.port, 1000);
        if (fd >= 0) idle.push_back(fd);
    }
    EXPECT_GE(idle.size(), 32u);
    for (int fd : idle) ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    expect_alive(f.port);
    // Idle until the deadline: dropped by the server.
    {
        const int fd = connect_loopback(f.port, 3000);
        char probe;
        const auto start = std::chrono::steady_clock::now();
        EXPECT_LE(::recv(fd, &probe, 1, 0), 0);
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
        ::close(fd);
    }
    expect_alive(f.port);
}

TEST(ServeApi, Base64DecodesOnlyTheStandardAlphabetWithPadding) {
    EXPECT_EQ(serve::decode_base64("QUJD", "image", 100), (std::vector<std::uint8_t>{'A', 'B', 'C'}));
    EXPECT_EQ(serve::decode_base64("QUI=", "image", 100), (std::vector<std::uint8_t>{'A', 'B'}));
    EXPECT_EQ(serve::decode_base64("QQ==", "image", 100), (std::vector<std::uint8_t>{'A'}));
    EXPECT_EQ(serve::encode_base64({'A', 'B'}), "QUI=");
    for (const char* bad : {"QUJ", "Q===", "QU=I", "QUJD-A==", "QQ==QUJD"})
        EXPECT_CONTAINS(error_of([&] { serve::decode_base64(bad, "image", 100); }), "image: expected base64") << bad;
    EXPECT_CONTAINS(error_of([&] { serve::decode_base64(std::string(400, 'A'), "image", 100); }), "image: expected at most");
}

// Training from the API on MNIST: a two-epoch run streams both epochs, a second run is refused
// while it goes, the result is a model of the session that answers and can be saved.
TEST(MnistServe, ATwoEpochRunStreamsBothEpochsAndItsModelIsKept) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST is not in data/mnist";
    DataOptions o;
    o.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
    auto data = std::make_shared<const DataSplits>(load_data(o));
    serve::Models models;
    models.put(untrained_model("mlp", find_preset("default").config.architecture));
    const auto save_dir = fresh_dir("serve-train");
    serve::Training training(models, data, save_dir.string());
    serve::Service service(models, training, std::string(DIGITNET_SOURCE_DIR) + "/web");
    serve::ServerOptions options;
    options.port = 0;
    serve::HttpServer server(options, service);
    const std::uint16_t port = server.port();

    const int events = connect_loopback(port, 20000);
    ASSERT_GE(events, 0);
    send_all(events, "GET /api/train/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const HttpReply started = http(port, "POST", "/api/train", "{\"epochs\": 2, \"examples\": 2000}");
    ASSERT_EQ(started.status, 202) << started.body;
    EXPECT_EQ(json::parse(started.body)["model"], "session-1");
    const HttpReply second = http(port, "POST", "/api/train", "{\"epochs\": 1}");
    if (second.status != 202) expect_refusal(second, 409, "training");  // (unless the first is already over)
    std::string stream;
    char buffer[4096];
    while (stream.find("event: done") == std::string::npos) {
        const ssize_t n = ::recv(events, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        stream.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(events);
    EXPECT_CONTAINS(stream, "event: start");
    EXPECT_CONTAINS(stream, "event: progress");
    EXPECT_CONTAINS(stream, "\"epoch\":1,");
    EXPECT_CONTAINS(stream, "\"epoch\":2,");
    EXPECT_CONTAINS(stream, "\"status\":\"finished\"");

    const json status = json::parse(http(port, "GET", "/api/train").body);
    EXPECT_EQ(status["history"].size(), 2u);
    const json card = json::parse(http(port, "GET", "/api/models/session-1").body);
    EXPECT_EQ(card["curves"].size(), 2u);
    EXPECT_GT(card["test_accuracy"].get<double>(), 0.5);
    EXPECT_FALSE(card["settings"].empty());
    const HttpReply answer = http(port, "POST", "/api/predict", pixels_body(serve_bar_pixels(), "\"model\":\"session-1\""));
    EXPECT_EQ(answer.status, 200);
    const HttpReply saved = http(port, "POST", "/api/models/session-1/save");
    ASSERT_EQ(saved.status, 200) << saved.body;
    const std::string file = json::parse(saved.body)["saved"];
    const Network reread = load_model((save_dir / file).string());
    EXPECT_EQ(reread.parameter_count(), 79510u);
}

}  // namespace digitnet::testing

namespace digitnet::testing {

// A long run: a second start is refused while it goes, stop ends it between mini-batches, and
// the network as it stood is kept.
TEST(MnistServe, ASecondRunIsRefusedAndStopEndsTheRun) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST is not in data/mnist";
    DataOptions o;
    o.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
    auto data = std::make_shared<const DataSplits>(load_data(o));
    serve::Models models;
    serve::Training training(models, data, fresh_dir("serve-stop").string());
    EXPECT_EQ(training.start(serve::parse_train_request("{\"epochs\": 20}"))["model"], "session-1");
    const std::string refused = error_of([&] { training.start(serve::parse_train_request("{}")); });
    EXPECT_CONTAINS(refused, "training: a run is going ('session-1')");
    EXPECT_EQ(training.stop()["stopping"], "session-1");
    std::size_t seen = 0;
    std::string done;
    for (int k = 0; k < 100 && done.empty(); ++k)
        for (const serve::TrainEvent& e : training.events_after(seen, std::chrono::milliseconds(200))) {
            seen = e.id;
            if (e.kind == "done") done = e.data;
        }
    EXPECT_CONTAINS(done, "\"status\":\"stopped\"");
    EXPECT_FALSE(training.status()["running"].get<bool>());
    EXPECT_EQ(models.find("session-1")->name(), "session-1");
    EXPECT_CONTAINS(error_of([&] { training.stop(); }), "training: no run is going");
}

}  // namespace digitnet::testing

namespace digitnet::testing {

// The model card takes the test accuracy train wrote into the file, and refuses a value that is
// not a fraction in [0, 1] (the file is untrusted).
TEST(ServeCard, TakesTheTestAccuracyTheModelFileRecords) {
    const serve::ModelCard good = serve::card_from_file("m.safetensors", {{"test_accuracy", "0.9123"}}, "");
    EXPECT_DOUBLE_EQ(good.test_accuracy, 0.9123);
    EXPECT_NE(good.test_accuracy_source.find("model file"), std::string::npos);
    for (const char* bad : {"abc", "1.5", "-0.1", "0.9x", ""}) {
        const serve::ModelCard card = serve::card_from_file("m.safetensors", {{"test_accuracy", bad}}, "");
        EXPECT_FALSE(std::isfinite(card.test_accuracy)) << bad;
    }
}

}  // namespace digitnet::testing

// Seed 004's worked example (Saito, "Deep Learning from Scratch", ch. 3): a 2-3-2-2 network
// with fixed weights, sigmoid hidden layers and an identity output, applied to x = (1.0, 0.5).
// The book prints [0.31682708 0.69627909].
#include <cstdio>

#include <digitnet/network.hpp>

int main() {
    digitnet::Architecture arch;
    arch.sizes = {2, 3, 2, 2};
    arch.hidden = digitnet::Activation::sigmoid;
    arch.output = digitnet::Activation::identity;
    digitnet::Network net(arch);
    // Our weights are (n_out, n_in): the transposes of the book's W1, W2, W3.
    net.layers[0].weights = digitnet::Matrix(3, 2, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
    net.layers[0].biases = digitnet::Matrix(1, 3, {0.1f, 0.2f, 0.3f});
    net.layers[1].weights = digitnet::Matrix(2, 3, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
    net.layers[1].biases = digitnet::Matrix(1, 2, {0.1f, 0.2f});
    net.layers[2].weights = digitnet::Matrix(2, 2, {0.1f, 0.2f, 0.3f, 0.4f});
    net.layers[2].biases = digitnet::Matrix(1, 2, {0.1f, 0.2f});

    digitnet::Matrix x(1, 2, {1.0f, 0.5f});
    const digitnet::Matrix& y = net.forward(x);
    std::printf("y = [%.8f %.8f]\n", y(0, 0), y(0, 1));
}

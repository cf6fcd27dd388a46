// First-layer weight tiles: numbered from 0 like every other neuron, as many as asked for.
#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/inside.hpp"
#include "digitnet/plot.hpp"

using namespace digitnet;

TEST(WeightTiles, AreNumberedFromZeroAndTakeACount) {
    Architecture a;
    a.sizes = {16, 5, 10};
    Network network(a);
    Rng rng(1);
    network.initialize(Init::xavier, rng);
    const std::vector<std::vector<float>> tiles = first_layer_weight_tiles(network);
    const RgbImage numbered = render_tiles(tiles, 4, 4, 3, true, {"0", "1", "2", "3", "4"},
                                           "first-layer weights (blue < 0 < red)");
    EXPECT_EQ(draw_first_layer_weights(network).rgb, numbered.rgb);
    const std::vector<std::vector<float>> two(tiles.begin(), tiles.begin() + 2);
    EXPECT_EQ(draw_first_layer_weights(network, 2).rgb,
              render_tiles(two, 4, 4, 2, true, {"0", "1"}, "first-layer weights (blue < 0 < red)").rgb);
    Architecture odd;
    odd.sizes = {15, 5, 10};
    EXPECT_THROW(draw_first_layer_weights(Network(odd)), Error);
}

// MNIST-style preprocessing of one handwritten digit (see preprocess.hpp for the steps).
#include "digitnet/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "digitnet/error.hpp"

namespace digitnet {

namespace {

// Less contrast than this between ink and paper (in [0, 1] units, about 25 grey levels)
// counts as no ink at all: a sheet of paper photographed with sensor noise is blank.
constexpr float kMinContrast = 0.1f;

[[noreturn]] void throw_blank() { throw Error("IMAGE: the image is blank (no ink found)"); }

// One output sample of a 1-D resampling: sum over taps of weight * source[index].
struct Tap {
    std::size_t index;
    float weight;
};
using Taps = std::vector<std::vector<Tap>>;

// Resampling n source samples to m output samples.
// Shrinking (m < n), area averaging: output j covers source interval [j r, (j+1) r) with
// r = n / m, and each source sample is weighted by its overlap with it, divided by r.
// Enlarging (m >= n), bilinear: output j samples the source at u = (j + 1/2) n / m - 1/2.
Taps make_taps(std::size_t n, std::size_t m) {
    Taps taps(m);
    const double r = static_cast<double>(n) / static_cast<double>(m);
    for (std::size_t j = 0; j < m; ++j) {
        if (m < n) {
            const double lo = static_cast<double>(j) * r;
            const double hi = static_cast<double>(j + 1) * r;
            const auto first = static_cast<std::size_t>(std::floor(lo));
            const auto last = std::min(n, static_cast<std::size_t>(std::ceil(hi)));
            for (std::size_t i = first; i < last; ++i) {
                const double overlap = std::min(static_cast<double>(i + 1), hi) - std::max(static_cast<double>(i), lo);
                if (overlap > 0.0) taps[j].push_back({i, static_cast<float>(overlap / r)});
            }
        } else {
            const double u = std::clamp((static_cast<double>(j) + 0.5) * r - 0.5, 0.0, static_cast<double>(n - 1));
            const auto i0 = static_cast<std::size_t>(std::floor(u));
            const std::size_t i1 = std::min(i0 + 1, n - 1);
            const double f = u - static_cast<double>(i0);
            taps[j].push_back({i0, static_cast<float>(1.0 - f)});
            if (f > 0.0) taps[j].push_back({i1, static_cast<float>(f)});
        }
    }
    return taps;
}

// The box [x0, x0 + bw) x [y0, y0 + bh) of value(pixel) resampled to out_w x out_h,
// separably: each input row once through the horizontal taps (cost ~ bw * bh), then the
// bh x out_w intermediate through the vertical taps.
template <class Value>
std::vector<float> resample(const GrayImage& image, std::size_t x0, std::size_t y0, std::size_t bw,
                            std::size_t bh, std::size_t out_w, std::size_t out_h, Value value) {
    const Taps htaps = make_taps(bw, out_w);
    const Taps vtaps = make_taps(bh, out_h);
    std::vector<float> rows(bh * out_w, 0.0f);
    std::vector<float> line(bw);
    for (std::size_t y = 0; y < bh; ++y) {
        const float* src = image.pixels.data() + (y0 + y) * image.width + x0;
        for (std::size_t x = 0; x < bw; ++x) line[x] = value(src[x]);
        for (std::size_t j = 0; j < out_w; ++j) {
            float sum = 0.0f;
            for (const Tap& t : htaps[j]) sum += t.weight * line[t.index];
            rows[y * out_w + j] = sum;
        }
    }
    std::vector<float> out(out_w * out_h, 0.0f);
    for (std::size_t i = 0; i < out_h; ++i) {
        for (const Tap& t : vtaps[i]) {
            for (std::size_t j = 0; j < out_w; ++j) out[i * out_w + j] += t.weight * rows[t.index * out_w + j];
        }
    }
    return out;
}

// The paper: the pixels of a frame around the image, 1/32 of the shorter side wide (at
// least 1 pixel). Its level is their median, its noise sigma = 1.4826 x the median absolute
// deviation from that level (sigma of Gaussian noise; robust to ink touching the border).
struct Paper {
    float level;
    float sigma;
};

float median_of(std::vector<float>& v) {
    const auto middle = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), middle, v.end());
    return *middle;
}

Paper estimate_paper(const GrayImage& image) {
    const std::size_t w = image.width, h = image.height;
    const std::size_t t = std::max<std::size_t>(1, std::min(w, h) / 32);
    std::vector<float> border;
    for (std::size_t y = 0; y < h; ++y) {
        const bool full_row = y < t || y >= h - t;
        for (std::size_t x = 0; x < w; ++x) {
            if (!full_row && x == t && w > 2 * t) x = w - t;  // skip the interior of the row
            border.push_back(std::clamp(image.at(x, y), 0.0f, 1.0f));
        }
    }
    const float level = median_of(border);
    for (float& v : border) v = std::fabs(v - level);
    return {level, 1.4826f * median_of(border)};
}

// A pixel is ink for the bounding box only when at least two of its eight neighbours are
// ink too, so isolated specks of noise do not stretch the box; strokes keep all but
// their very end pixels.
template <class Ink>
bool has_ink_neighbours(const GrayImage& image, std::size_t x, std::size_t y, const Ink& ink) {
    int count = 0;
    for (std::size_t ny = (y == 0 ? 0 : y - 1); ny <= std::min(image.height - 1, y + 1); ++ny) {
        for (std::size_t nx = (x == 0 ? 0 : x - 1); nx <= std::min(image.width - 1, x + 1); ++nx) {
            if ((nx != x || ny != y) && ink(image.at(nx, ny)) > 0.0f && ++count >= 2) return true;
        }
    }
    return false;
}

}  // namespace

std::vector<float> preprocess_digit(const GrayImage& image, PreprocessInfo* info) {
    const std::size_t w = image.width, h = image.height;
    if (w == 0 || h == 0 || image.pixels.size() != w * h) throw_blank();
    for (std::size_t i = 0; i < image.pixels.size(); ++i) {
        if (!std::isfinite(image.pixels[i])) {
            throw Error("IMAGE: expected pixel values in [0, 1], found " + std::to_string(image.pixels[i]) +
                        " at (" + std::to_string(i % w) + ", " + std::to_string(i / w) + ")");
        }
    }

    // 1. Paper level and ink polarity: the side of the paper level with more contrast.
    const Paper paper_estimate = estimate_paper(image);
    const float paper = paper_estimate.level;
    double darker = 0.0, lighter = 0.0;
    float darkest = 0.0f, lightest = 0.0f;  // the strongest contrast on each side
    for (float v : image.pixels) {
        const float p = std::clamp(v, 0.0f, 1.0f);
        if (p < paper) {
            darker += paper - p;
            darkest = std::max(darkest, paper - p);
        } else {
            lighter += p - paper;
            lightest = std::max(lightest, p - paper);
        }
    }
    const bool inverted = darker > lighter;
    // Ink contrast c = max(0, ink - paper) with ink bright after the polarity choice.
    auto contrast = [paper, inverted](float v) {
        const float p = std::clamp(v, 0.0f, 1.0f);
        return std::max(0.0f, inverted ? paper - p : p - paper);
    };

    // 2. Noise threshold: a quarter of the strongest contrast, and at least 4 sigma of the
    //    paper's noise; weaker contrast becomes 0.
    const float top = inverted ? darkest : lightest;
    if (top < kMinContrast) throw_blank();
    const float threshold = std::max(0.25f * top, 4.0f * paper_estimate.sigma);
    if (top <= threshold) throw_blank();
    auto ink = [&contrast, threshold](float v) {
        const float c = contrast(v);
        return c >= threshold ? c : 0.0f;
    };

    // 3. Bounding box of the ink, scaled so its longer side is 20.
    std::size_t x_min = w, x_max = 0, y_min = h, y_max = 0;
    for (std::size_t y = 0; y < h; ++y) {
        const float* row = image.pixels.data() + y * w;
        for (std::size_t x = 0; x < w; ++x) {
            if (ink(row[x]) > 0.0f && has_ink_neighbours(image, x, y, ink)) {
                x_min = std::min(x_min, x);
                x_max = std::max(x_max, x);
                y_min = std::min(y_min, y);
                y_max = std::max(y_max, y);
            }
        }
    }
    if (x_min > x_max) throw_blank();
    const std::size_t bw = x_max - x_min + 1, bh = y_max - y_min + 1;
    const double scale = static_cast<double>(kInkBox) / static_cast<double>(std::max(bw, bh));
    auto scaled_side = [scale](std::size_t n) {
        return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(static_cast<double>(n) * scale)), 1,
                                        kInkBox);
    };
    const std::size_t sw = scaled_side(bw), sh = scaled_side(bh);
    const std::vector<float> patch = resample(image, x_min, y_min, bw, bh, sw, sh, ink);

    // 4. Centre of mass (cx, cy) = sum v (x, y) / sum v; offset = round(14 - c), kept
    //    within [0, 28 - side] so no ink leaves the field.
    double mass = 0.0, mx = 0.0, my = 0.0;
    float peak = 0.0f;
    for (std::size_t y = 0; y < sh; ++y) {
        for (std::size_t x = 0; x < sw; ++x) {
            const float v = patch[y * sw + x];
            mass += v;
            mx += v * static_cast<double>(x);
            my += v * static_cast<double>(y);
            peak = std::max(peak, v);
        }
    }
    if (!(mass > 0.0) || !(peak > 0.0f)) throw_blank();
    const double centre = static_cast<double>(kDigitSide) / 2.0;
    auto offset = [centre](double c, std::size_t side) {
        const long wanted = std::lround(centre - c);
        return static_cast<int>(std::clamp<long>(wanted, 0, static_cast<long>(kDigitSide - side)));
    };
    const int ox = offset(mx / mass, sw), oy = offset(my / mass, sh);

    std::vector<float> out(kDigitSide * kDigitSide, 0.0f);
    for (std::size_t y = 0; y < sh; ++y) {
        for (std::size_t x = 0; x < sw; ++x) {
            out[(y + static_cast<std::size_t>(oy)) * kDigitSide + x + static_cast<std::size_t>(ox)] =
                std::min(1.0f, patch[y * sw + x] / peak);
        }
    }

    if (info) {
        info->inverted = inverted;
        info->background = paper;
        info->threshold = threshold;
        info->box_x = x_min;
        info->box_y = y_min;
        info->box_width = bw;
        info->box_height = bh;
        info->scale = scale;
        info->scaled_width = sw;
        info->scaled_height = sh;
        info->offset_x = ox;
        info->offset_y = oy;
    }
    return out;
}

std::vector<float> resize_to(const GrayImage& image, std::size_t width, std::size_t height) {
    if (image.width == 0 || image.height == 0 || image.pixels.size() != image.width * image.height) {
        throw Error("resize: expected a non-empty image, found " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " with " + std::to_string(image.pixels.size()) + " values");
    }
    if (width == 0 || height == 0 || width > 16384 || height > 16384) {
        throw Error("resize: expected a target size of 1..16384 per side, found " + std::to_string(width) + "x" +
                    std::to_string(height));
    }
    return resample(image, 0, 0, image.width, image.height, width, height, [](float v) { return v; });
}

std::string about_image_file(const std::string& path, const std::string& message) {
    const std::string generic = "IMAGE: ";
    if (message.rfind(generic, 0) == 0) return escape_path(path) + ": " + message.substr(generic.size());
    if (message.rfind(path, 0) == 0) return escape_path(path) + message.substr(path.size());
    return escape_path(path) + ": " + message;
}

}  // namespace digitnet

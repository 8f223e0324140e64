// conv2d by im2col + GEMM. Consecutive images are packed side by side into one im2col buffer,
// enough of them that each GEMM has at least kMinColumns columns (small late-stage feature
// maps would otherwise give GEMMs too narrow to run fast); such image blocks are what threads
// take. For a block of B images and group g (channels split into `groups` equal groups), with
// K = (C/groups)·kH·kW and P = Ho·Wo:
//   cols (K, B·P)       = im2col of the B images, channels of group g
//   y_g (O/g, B·P)      = W_g (O/g, K) · cols + b_g,   scattered back to (B, O, Ho, Wo)
// and backward, with dy gathered the same way:
//   dx_g = col2im(W_gᵀ (K, O/g) · dy_g (O/g, B·P))
//   dW_g = Σ_blocks dy_g · colsᵀ      (O/g, K)
//   db   = Σ_n Σ_p dy_n
// Dilation is not supported.
#include <algorithm>
#include <vector>

#include "engine/autograd.h"
#include "engine/gemm.h"
#include "engine/mac_counter.h"
#include "engine/op_checks.h"
#include "engine/ops.h"
#include "engine/parallel.h"

namespace budgetgrad {

namespace {

// Fixed partition of the batch for the weight-gradient sum (see conv2d's backward).
constexpr int64_t kGradientChunks = 8;
// Images are packed into one GEMM until it has this many columns.
constexpr int64_t kMinColumns = 1024;

struct ConvGeometry {
    int64_t channels, height, width;  // input C, H, W
    int64_t kernel_h, kernel_w;       // kH, kW
    int64_t out_h, out_w;             // Ho, Wo
    int64_t stride, padding;
    int64_t patch() const { return channels * kernel_h * kernel_w; }  // K
    int64_t pixels() const { return out_h * out_w; }                  // P
};

// The output columns [first, last) whose input column ow·stride − padding + kj lies inside
// [0, width): outside them the window reads zero padding.
inline void valid_columns(const ConvGeometry& g, int64_t kj, int64_t& first, int64_t& last) {
    const int64_t offset = kj - g.padding;  // iw = ow·stride + offset
    first = offset >= 0 ? 0 : (-offset + g.stride - 1) / g.stride;
    last = offset >= g.width ? 0 : (g.width - offset + g.stride - 1) / g.stride;
    last = std::clamp<int64_t>(last, first, g.out_w);
}

// cols (K, P) from one image (C, H, W), rows `ld` apart; zero where the window leaves the image.
// Rows of cols are filled a contiguous run at a time: the interior of each output row is a
// plain copy (a strided one when stride > 1), only the padded ends are zero.
template <typename T>
void im2col(const ConvGeometry& g, const T* image, T* cols, int64_t ld) {
    for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
            for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
                T* row = cols + ((c * g.kernel_h + ki) * g.kernel_w + kj) * ld;
                int64_t first, last;
                valid_columns(g, kj, first, last);
                for (int64_t oh = 0; oh < g.out_h; ++oh) {
                    const int64_t ih = oh * g.stride - g.padding + ki;
                    T* out = row + oh * g.out_w;
                    if (ih < 0 || ih >= g.height) {
                        std::fill(out, out + g.out_w, T(0));
                        continue;
                    }
                    const T* in = image + (c * g.height + ih) * g.width - g.padding + kj;
                    std::fill(out, out + first, T(0));
                    if (g.stride == 1) {
                        std::copy(in + first, in + last, out + first);
                    } else {
                        for (int64_t ow = first; ow < last; ++ow)
                            out[ow] = in[ow * g.stride];
                    }
                    std::fill(out + last, out + g.out_w, T(0));
                }
            }
        }
    }
}

// Adds cols (K, P), rows `ld` apart, back into one image gradient (C, H, W): the adjoint of
// im2col.
template <typename T>
void col2im(const ConvGeometry& g, const T* cols, int64_t ld, T* image) {
    std::fill(image, image + g.channels * g.height * g.width, T(0));
    for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
            for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
                const T* row = cols + ((c * g.kernel_h + ki) * g.kernel_w + kj) * ld;
                int64_t first, last;
                valid_columns(g, kj, first, last);
                for (int64_t oh = 0; oh < g.out_h; ++oh) {
                    const int64_t ih = oh * g.stride - g.padding + ki;
                    if (ih < 0 || ih >= g.height) continue;
                    T* out = image + (c * g.height + ih) * g.width - g.padding + kj;
                    const T* in = row + oh * g.out_w;
                    if (g.stride == 1) {
                        for (int64_t ow = first; ow < last; ++ow)
                            out[ow] += in[ow];
                    } else {
                        for (int64_t ow = first; ow < last; ++ow)
                            out[ow * g.stride] += in[ow];
                    }
                }
            }
        }
    }
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, int padding,
              int groups) {
    check_ndim("conv2d", "input", x, 4, "(N, C, H, W)");
    check_ndim("conv2d", "weight", weight, 4, "(O, C / groups, kH, kW)");
    check_same_dtype("conv2d", x, weight);
    check_same_dtype("conv2d", x, bias);
    BG_CHECK(stride >= 1, "conv2d: expected stride >= 1, got ", stride);
    BG_CHECK(padding >= 0, "conv2d: expected padding >= 0, got ", padding);
    BG_CHECK(groups >= 1, "conv2d: expected groups >= 1, got ", groups);
    const int64_t batch = x.size(0), out_channels = weight.size(0);
    BG_CHECK(x.size(1) % groups == 0 && out_channels % groups == 0,
             "conv2d: expected input and "
             "output channels divisible by groups = ",
             groups, ", got ", x.size(1), " and ", out_channels);
    BG_CHECK(weight.size(1) * groups == x.size(1), "conv2d: expected input with ",
             weight.size(1) * groups, " channels (the weight's", groups > 1 ? " times groups" : "",
             "), got shape ", shape_str(x.shape()));
    const int64_t group_out = out_channels / groups;
    if (bias.defined()) {
        BG_CHECK(bias.shape() == Shape{out_channels}, "conv2d: expected bias of shape (",
                 out_channels, ",), got ", shape_str(bias.shape()));
    }
    ConvGeometry g{weight.size(1), x.size(2), x.size(3), weight.size(2), weight.size(3), 0, 0,
                   stride,         padding};
    BG_CHECK(x.size(2) + 2 * padding >= g.kernel_h && x.size(3) + 2 * padding >= g.kernel_w,
             "conv2d: kernel ", g.kernel_h, "x", g.kernel_w, " is larger than the padded input ",
             shape_str(x.shape()), " with padding ", padding);
    g.out_h = (g.height + 2 * padding - g.kernel_h) / stride + 1;
    g.out_w = (g.width + 2 * padding - g.kernel_w) / stride + 1;
    const int64_t K = g.patch(), P = g.pixels();
    const int64_t group_size = g.channels * g.height * g.width;  // one group of one image
    const int64_t image_size = group_size * groups;

    count_macs(batch * out_channels * P * K);
    // Images per GEMM: enough for kMinColumns columns, and at most what a gradient chunk holds.
    const int64_t chunks = std::min<int64_t>(batch, kGradientChunks);
    const int64_t block = std::clamp<int64_t>((kMinColumns + P - 1) / P, 1, batch / chunks);
    const int64_t blocks = (batch + block - 1) / block;

    Tensor y = Tensor::empty({batch, out_channels, g.out_h, g.out_w}, x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* xd = x.data<T>();
        const T* wd = weight.data<T>();
        const T* bd = bias.defined() ? bias.data<T>() : nullptr;
        T* yd = y.data<T>();
#pragma omp parallel
        {
            std::vector<T> cols(K * block * P);         // this thread's im2col buffer
            std::vector<T> out(group_out * block * P);  // one group's outputs for the block
#pragma omp for schedule(dynamic, 1)
            for (int64_t b = 0; b < blocks; ++b) {
                const int64_t first = b * block, count = std::min(block, batch - first);
                const int64_t ld = count * P;
                for (int64_t grp = 0; grp < groups; ++grp) {
                    for (int64_t i = 0; i < count; ++i) {
                        im2col(g, xd + (first + i) * image_size + grp * group_size,
                               cols.data() + i * P, ld);
                    }
                    gemm<T>(false, false, group_out, ld, K, wd + grp * group_out * K, cols.data(),
                            out.data(), false);
                    // (O/g, B·P) -> (B, O, P), adding the bias.
                    for (int64_t i = 0; i < count; ++i) {
                        for (int64_t o = 0; o < group_out; ++o) {
                            const int64_t channel = grp * group_out + o;
                            const T shift = bd != nullptr ? bd[channel] : T(0);
                            const T* from = out.data() + o * ld + i * P;
                            T* to = yd + ((first + i) * out_channels + channel) * P;
                            for (int64_t p = 0; p < P; ++p)
                                to[p] = from[p] + shift;
                        }
                    }
                }
            }
        }
    });

    const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    Tensor x_saved = need_w ? x.detach() : Tensor();
    Tensor w_saved = need_x ? weight.detach() : Tensor();
    return record("conv2d", y, {x, weight, bias}, [=](const Tensor& dy) {
        Tensor dx, dw, db;
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g_out = dy.data<T>();  // (N, O, Ho, Wo)
            if (need_x) {
                dx = Tensor::empty({batch, g.channels * groups, g.height, g.width}, dy.dtype());
            }
            // dW sums over the batch. The batch is cut into a fixed number of chunks, whatever
            // the thread count; each chunk sums its images into its own buffer, and the chunks
            // are added in order below. Threads take chunks as they free up (a slow core does
            // less), and the result does not depend on which thread took which chunk.
            std::vector<std::vector<T>> dw_parts(need_w ? chunks : 0);
#pragma omp parallel
            {
                std::vector<T> cols(K * block * P);
                std::vector<T> grad(group_out * block * P);  // dy of one group, (O/g, B·P)
#pragma omp for schedule(dynamic, 1)
                for (int64_t chunk = 0; chunk < chunks; ++chunk) {
                    if (need_w) dw_parts[chunk].assign(out_channels * K, T(0));
                    const int64_t chunk_end = batch * (chunk + 1) / chunks;
                    for (int64_t first = batch * chunk / chunks; first < chunk_end;
                         first += block) {
                        const int64_t count = std::min(block, chunk_end - first);
                        const int64_t ld = count * P;
                        for (int64_t grp = 0; grp < groups; ++grp) {
                            // (B, O, P) -> (O/g, B·P) for this group.
                            for (int64_t i = 0; i < count; ++i) {
                                for (int64_t o = 0; o < group_out; ++o) {
                                    const T* from =
                                        g_out +
                                        ((first + i) * out_channels + grp * group_out + o) * P;
                                    std::copy(from, from + P, grad.data() + o * ld + i * P);
                                }
                            }
                            if (need_w) {
                                for (int64_t i = 0; i < count; ++i) {
                                    im2col(g,
                                           x_saved.data<T>() + (first + i) * image_size +
                                               grp * group_size,
                                           cols.data() + i * P, ld);
                                }
                                gemm<T>(false, true, group_out, K, ld, grad.data(), cols.data(),
                                        dw_parts[chunk].data() + grp * group_out * K, true);
                            }
                            if (need_x) {
                                gemm<T>(true, false, K, ld, group_out,
                                        w_saved.data<T>() + grp * group_out * K, grad.data(),
                                        cols.data(), false);
                                for (int64_t i = 0; i < count; ++i) {
                                    col2im(
                                        g, cols.data() + i * P, ld,
                                        dx.data<T>() + (first + i) * image_size + grp * group_size);
                                }
                            }
                        }
                    }
                }
            }
            if (need_w) {
                dw = Tensor::zeros({out_channels, g.channels, g.kernel_h, g.kernel_w}, dy.dtype());
                T* dwd = dw.data<T>();
                for (const auto& part : dw_parts) {
                    for (std::size_t i = 0; i < part.size(); ++i)
                        dwd[i] += part[i];
                }
            }
            if (need_b) {
                db = Tensor::zeros({out_channels}, dy.dtype());
                T* dbd = db.data<T>();
                for (int64_t n = 0; n < batch; ++n) {
                    for (int64_t o = 0; o < out_channels; ++o) {
                        const T* plane = g_out + (n * out_channels + o) * P;
                        T s = 0;
                        for (int64_t p = 0; p < P; ++p)
                            s += plane[p];
                        dbd[o] += s;
                    }
                }
            }
        });
        return std::vector<Tensor>{dx, dw, db};
    });
}

}  // namespace budgetgrad

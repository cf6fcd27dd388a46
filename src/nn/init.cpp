#include "digitnet/init.hpp"

#include "digitnet/error.hpp"

namespace digitnet {

std::string to_string(Init init) {
    switch (init) {
        case Init::normal: return "normal";
        case Init::scaled_normal: return "scaled-normal";
        case Init::rashid: return "rashid";
        case Init::xavier: return "xavier";
        case Init::he: return "he";
    }
    return "?";
}

Init parse_init(std::string_view name, std::string_view option) {
    for (Init i : {Init::normal, Init::scaled_normal, Init::rashid, Init::xavier, Init::he})
        if (name == to_string(i)) return i;
    throw Error(std::string(option) + ": expected one of normal, scaled-normal, rashid, xavier, he; found '" +
                std::string(name) + "'");
}

}  // namespace digitnet

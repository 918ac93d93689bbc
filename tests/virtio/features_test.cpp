#include <catch2/catch.hpp>

#include "virtio/virtio_net.h"

using namespace vsw::virtio;

TEST_CASE("feature bits have their spec names") {
    CHECK(feature_name(kMrgRxbuf) == "VIRTIO_NET_F_MRG_RXBUF");
    CHECK(feature_name(kVersion1) == "VIRTIO_F_VERSION_1");
    CHECK(feature_name(kRingPacked) == "VIRTIO_F_RING_PACKED");
    CHECK(feature_name(63) == "bit 63");
}

TEST_CASE("feature lists come out lowest bit first and short") {
    const uint64_t f = bit(kVersion1) | bit(kMrgRxbuf) | bit(kMq);
    CHECK(feature_names(f) == std::vector<std::string>{"VIRTIO_NET_F_MRG_RXBUF", "VIRTIO_NET_F_MQ",
                                                       "VIRTIO_F_VERSION_1"});
    CHECK(feature_summary(f) == "mrg_rxbuf,mq,version_1");
    CHECK(feature_summary(0) == "-");
}

TEST_CASE("offloads: checksums and TSO both ways are offered, UFO and ECN never") {
    for (FeatureBit b : {kCsum, kGuestCsum, kGuestTso4, kGuestTso6, kHostTso4, kHostTso6}) {
        CHECK((kOffloads & bit(b)) != 0);
        CHECK((kNeverOffered & bit(b)) == 0);
    }
    for (FeatureBit b : {kGuestUfo, kHostUfo, kGuestEcn, kHostEcn, kCtrlGuestOffloads})
        CHECK(((kNeverOffered & bit(b)) != 0 && (kOffloads & bit(b)) == 0));
    CHECK(((kOffloads | kNeverOffered) & (bit(kMrgRxbuf) | bit(kVersion1))) == 0);
}

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

TEST_CASE("unsupported offloads cover every TSO, UFO and checksum bit") {
    for (FeatureBit b :
         {kCsum, kGuestCsum, kGuestTso4, kGuestTso6, kGuestUfo, kHostTso4, kHostTso6, kHostUfo})
        CHECK((kUnsupportedOffloads & bit(b)) != 0);
    CHECK((kUnsupportedOffloads & bit(kMrgRxbuf)) == 0);
    CHECK((kUnsupportedOffloads & bit(kVersion1)) == 0);
}

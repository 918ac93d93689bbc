// A port's security-groups setting (acl/acl_port_settings.h).
#include "acl/acl_port_settings.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vsw;

using Settings = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("ACL port settings: security-groups set, listed and cleared", "[acl]") {
    PortAclConfig c;
    CHECK_FALSE(c.enabled());
    CHECK(validate_acl(c) == "");
    CHECK(acl_settings(c) == Settings{{"security-groups", "none"}});
    CHECK(is_acl_setting("security-groups"));
    CHECK_FALSE(is_acl_setting("security-group"));
    CHECK_FALSE(is_acl_setting("port-security"));

    CHECK(apply_acl_setting(c, "security-groups", "web,db") == "");
    CHECK(c.enabled());
    CHECK(c.groups == std::vector<std::string>{"web", "db"});  // the port's order
    CHECK(acl_settings(c) == Settings{{"security-groups", "web,db"}});
    PortAclConfig again;
    for (const auto& [k, v] : acl_settings(c)) CHECK(apply_acl_setting(again, k, v) == "");
    CHECK(again == c);

    CHECK(apply_acl_setting(c, "security-groups", "none") == "");
    CHECK_FALSE(c.enabled());
    CHECK(c == PortAclConfig{});
}

TEST_CASE("ACL port settings: refusals leave the setting as it was", "[acl]") {
    struct Case {
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"", "security-groups must be GROUP[,GROUP...] or none"},
        {"web,", "security-groups must be GROUP[,GROUP...] or none"},
        {",web", "security-groups must be GROUP[,GROUP...] or none"},
        {"web,,db", "security-groups must be GROUP[,GROUP...] or none"},
        {"web,web", "security-groups: 'web' is named twice"},
        {"web,a b", "may contain only letters"},
        {"web,none", "'none' cannot name a group"},
        {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "a port takes at most 16 security groups"},
    };
    for (const Case& k : cases) {
        INFO(k.value);
        PortAclConfig c;
        c.groups = {"x"};
        CHECK(apply_acl_setting(c, "security-groups", k.value).find(k.message) !=
              std::string::npos);
        CHECK(c.groups == std::vector<std::string>{"x"});
    }
    PortAclConfig c;
    CHECK(apply_acl_setting(c, "security-groups", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p") == "");
    CHECK(apply_acl_setting(c, "acl", "web") == "unknown security group setting 'acl'");
    c.groups = {"web", "web"};  // set directly
    CHECK(validate_acl(c) == "security-groups: 'web' is named twice");
}

/* test_eth_addr.c: EIP-55 checksum addresses (vectors from the EIP). */
#include "eth_addr.h"
#include "test.h"

static const char *const eip55_vectors[] = {
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
};

static void case_change(char *dst, const char *src, int upper)
{
    for (; *src != '\0'; src++, dst++)
        *dst = (char)(upper && *src >= 'a' && *src <= 'f'    ? *src - 32
                      : !upper && *src >= 'A' && *src <= 'F' ? *src + 32
                                                             : *src);
    *dst = '\0';
}

TEST(addr_eip55_vectors_format)
{
    for (size_t i = 0; i < sizeof eip55_vectors / sizeof eip55_vectors[0]; i++) {
        char lower[ETH_ADDR_STR_SIZE], out[ETH_ADDR_STR_SIZE];
        uint8_t addr[20];

        case_change(lower, eip55_vectors[i], 0);
        CHECK_EQ_INT(eth_addr_parse(addr, lower, "a", NULL), MCP_OK);
        eth_addr_format(out, addr);
        CHECK_STR(out, eip55_vectors[i]);
    }
}

TEST(addr_eip55_vectors_parse_all_cases)
{
    for (size_t i = 0; i < sizeof eip55_vectors / sizeof eip55_vectors[0]; i++) {
        char lower[ETH_ADDR_STR_SIZE], upper[ETH_ADDR_STR_SIZE];
        uint8_t a[20], b[20], c[20];

        case_change(lower, eip55_vectors[i], 0);
        case_change(upper, eip55_vectors[i], 1);
        CHECK_EQ_INT(eth_addr_parse(a, eip55_vectors[i], "a", NULL), MCP_OK);
        CHECK_EQ_INT(eth_addr_parse(b, lower, "a", NULL), MCP_OK);
        CHECK_EQ_INT(eth_addr_parse(c, upper, "a", NULL), MCP_OK);
        CHECK(memcmp(a, b, 20) == 0 && memcmp(a, c, 20) == 0);
    }
}

TEST(addr_checksum_mismatch)
{
    char bad[] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    uint8_t addr[20];
    struct mcp_error err = {MCP_OK, ""};

    bad[3] = 'A'; /* "5AAeb..." : mixed case, wrong checksum */
    CHECK_EQ_INT(eth_addr_parse(addr, bad, "walletAddress", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "walletAddress: checksum mismatch (did you mean "
                            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?)");
    CHECK_HEX(addr, 20, "0000000000000000000000000000000000000000");
}

/* Flipping the case of any single letter of a checksummed address is detected. */
TEST(addr_every_single_case_flip_detected)
{
    for (size_t i = 0; i < sizeof eip55_vectors / sizeof eip55_vectors[0]; i++) {
        for (size_t j = 2; j < 42; j++) {
            char s[ETH_ADDR_STR_SIZE];
            uint8_t addr[20];
            int mixed_after;

            memcpy(s, eip55_vectors[i], sizeof s);
            if (s[j] >= 'a' && s[j] <= 'f')
                s[j] = (char)(s[j] - 32);
            else if (s[j] >= 'A' && s[j] <= 'F')
                s[j] = (char)(s[j] + 32);
            else
                continue;
            /* an all-upper or all-lower result is a legitimately unchecksummed form */
            mixed_after = strpbrk(s + 2, "abcdef") != NULL && strpbrk(s + 2, "ABCDEF") != NULL;
            CHECK_EQ_INT(eth_addr_parse(addr, s, "a", NULL), mixed_after ? MCP_EINVAL : MCP_OK);
        }
    }
}

TEST(addr_shape_errors)
{
    uint8_t addr[20];
    struct mcp_error err = {MCP_OK, ""};

    CHECK_EQ_INT(eth_addr_parse(addr, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "owner", &err),
                 MCP_EINVAL);
    CHECK_STR(err.msg, "owner: expected an address starting with 0x (add the 0x prefix)");
    CHECK_EQ_INT(eth_addr_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "owner", &err),
                 MCP_EINVAL);
    CHECK_STR(err.msg, "owner: expected 0x and 40 hex digits, got 39 digits");
    CHECK_EQ_INT(eth_addr_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "owner", &err),
                 MCP_EINVAL);
    CHECK_STR(err.msg, "owner: 'g' at hex digit 40 is not a hex digit");
    CHECK_EQ_INT(eth_addr_parse(addr, "", "owner", &err), MCP_EINVAL);
    CHECK_CONTAINS(err.msg, "owner: missing");
    CHECK_EQ_INT(eth_addr_parse(addr, NULL, "owner", &err), MCP_EINVAL);
    CHECK_EQ_INT(eth_addr_parse(addr, "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "owner", &err),
                 MCP_EINVAL);
}

TEST(addr_format_key_one_address)
{
    static const uint8_t addr[20] = {0x7e, 0x5f, 0x45, 0x52, 0x09, 0x1a, 0x69, 0x12, 0x5d, 0x5d,
                                     0xfc, 0xb7, 0xb8, 0xc2, 0x65, 0x90, 0x29, 0x39, 0x5b, 0xdf};
    char out[ETH_ADDR_STR_SIZE];

    eth_addr_format(out, addr);
    CHECK_STR(out, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

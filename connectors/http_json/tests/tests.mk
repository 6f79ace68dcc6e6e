# http_json's unit tests (one binary each, test_<module>.c here): the
# connector sources each links, beside the daemon's library. Included by
# the top-level Makefile, like every connectors/*/tests/*.mk.
HJ_DIR      := connectors/http_json
HJ_CORE_SRC := $(addprefix $(HJ_DIR)/,jpath.c hjquote.c hjnum.c hjtime.c hjcode.c hjmap.c hjextract.c)

TEST_SRC_jpath     := $(HJ_DIR)/jpath.c
TEST_SRC_hjnum     := $(HJ_DIR)/hjnum.c $(HJ_DIR)/hjquote.c
TEST_SRC_hjtime    := $(HJ_DIR)/hjtime.c $(HJ_DIR)/hjquote.c
TEST_SRC_hjmap     := $(HJ_CORE_SRC)
TEST_SRC_hjextract := $(HJ_CORE_SRC)
TEST_SRC_hjwalk    := $(HJ_CORE_SRC) $(HJ_DIR)/hjwalk.c
TEST_SRC_hjscan    := $(HJ_DIR)/hjscan.c

# test_hjextract makes the batch's allocations fail one by one: its own
# malloc stands in for the objects' (not for jansson's or cmocka's).
$(BUILD)/tests/test_hjextract: LDFLAGS += -Wl,--wrap=malloc

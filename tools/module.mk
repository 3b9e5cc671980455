# tools/: what `make demo` runs until the conformance runner lands.
$(BUILD)/socks4-selfcheck: $(call objs,tools/selfcheck.c $(LIB_SRC))
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)
demo: $(BUILD)/socks4-selfcheck
	$(BUILD)/socks4-selfcheck

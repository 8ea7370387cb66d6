import assert from "node:assert/strict";
import { addressKey } from "./client_address.ts";

Deno.test("addressKey - an IPv6 address counts as its /64", () => {
  assert.equal(addressKey("2001:db8:0:1::1"), "2001:db8:0:1::/64");
  assert.equal(addressKey("2001:DB8:0:1:ffff:ffff:ffff:ffff"), "2001:db8:0:1::/64");
  assert.equal(addressKey("2001:0db8:0000:0001:0000:0000:0000:0002"), "2001:db8:0:1::/64");
  assert.equal(addressKey("[2001:db8:0:1::5]"), "2001:db8:0:1::/64");
  assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.notEqual(addressKey("2001:db8:0:1::1"), addressKey("2001:db8:0:2::1"));
});

Deno.test("addressKey - IPv4, also IPv4-mapped, is the address itself", () => {
  assert.equal(addressKey("192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("::ffff:c000:207"), "192.0.2.7");
});

Deno.test("addressKey - what is not an address is kept as it is", () => {
  assert.equal(addressKey("2001:db8::1::2"), "2001:db8::1::2");
  assert.equal(addressKey("gggg::1"), "gggg::1");
  assert.equal(addressKey("1:2:3:4:5:6:7"), "1:2:3:4:5:6:7");
  assert.equal(addressKey("unknown"), "unknown");
});

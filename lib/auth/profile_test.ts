import assert from "node:assert/strict";
import { MAX_NAME_CHARS, profileFieldError } from "./profile.ts";

Deno.test("profileFieldError - a name of 1 to 100 characters (counted as characters)", () => {
  assert.equal(profileFieldError({ name: "Ada" }, true), null);
  assert.equal(profileFieldError({ name: "😀".repeat(MAX_NAME_CHARS) }, true), null);
  for (const name of ["", "   ", "a".repeat(101), 42, undefined]) {
    assert.equal(profileFieldError({ name }, true)?.code, "INVALID_NAME", String(name));
  }
  // An update without a name leaves it alone.
  assert.equal(profileFieldError({}, false), null);
  assert.equal(profileFieldError({ name: "a".repeat(101) }, false)?.code, "INVALID_NAME");
});

Deno.test("profileFieldError - email and image URL lengths", () => {
  const long = "a".repeat(250) + "@example.com";
  assert.equal(profileFieldError({ name: "A", email: long }, true)?.code, "INVALID_EMAIL");
  const image = "https://example.com/" + "i".repeat(2100);
  assert.equal(profileFieldError({ image }, false)?.code, "INVALID_IMAGE");
  assert.equal(profileFieldError({ image: "https://example.com/a.png" }, false), null);
});

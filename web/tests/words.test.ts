import { describe, expect, it } from "vitest";

import { retryAfterSeconds, waitInWords } from "../src/api/words";

describe("waitInWords", () => {
  it.each([
    [null, "a moment"],
    [1, "1 second"],
    [45, "45 seconds"],
    [60, "1 minute"],
    [61, "2 minutes"],
    [900, "15 minutes"],
    [3600, "1 hour"],
    [5400, "2 hours"],
  ])("%s seconds read as %s", (seconds, words) => {
    expect(waitInWords(seconds)).toBe(words);
  });

  it("reads only a number of seconds from Retry-After", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT")).toBeNull();
  });
});

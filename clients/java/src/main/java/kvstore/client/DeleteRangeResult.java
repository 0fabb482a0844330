package kvstore.client;

/** What deleteRange answers: its revision and how many keys it deleted (0: nothing was written). */
public record DeleteRangeResult(long revision, long deleted) {}

package kvstore.client;

/**
 * What a Delete answers: {@code deleted} is false when the key did not exist (nothing was written; the
 * revision is then the store's current one).
 */
public record DeleteResult(long revision, boolean deleted) {}

package kvstore.client;

/**
 * What a Set answers: the write's revision and the key as written (without its value).
 */
public record WriteResult(long revision, KeyValue kv) {}

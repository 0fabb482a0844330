package kvstore.client;

import java.util.List;

/** What setMany answers: the one revision of the batch and the keys as written (without values), in order. */
public record SetManyResult(long revision, List<KeyValue> kvs) {}

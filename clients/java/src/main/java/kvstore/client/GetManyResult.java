package kvstore.client;

import java.util.List;
import java.util.Optional;

/** What getMany answers: one entry per requested key, in request order, all read at {@code revision}. */
public record GetManyResult(long revision, List<Optional<KeyValue>> kvs) {}

package kvstore.client;

import java.util.List;

/**
 * One page of a List: its keys in UTF-8 byte order, whether more follow, and the count of the whole span
 * when {@link ListOptions#withCount()} asked for it.
 */
public record ListPage(long revision, List<KeyValue> kvs, boolean more, long count) {}

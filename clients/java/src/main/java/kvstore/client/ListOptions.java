package kvstore.client;

/**
 * What {@link KvClient#list(ListOptions)} reads: a selector (not a single key), the page size (0 = the
 * server's, 1000), metadata only, a count of the whole span, and a serializable read (cluster only).
 */
public record ListOptions(
    Selector selector, int pageSize, boolean keysOnly, boolean count, boolean serializable) {
  public static ListOptions of(Selector selector) {
    return new ListOptions(selector, 0, false, false, false);
  }

  public static ListOptions prefix(String prefix) {
    return of(Selector.prefix(prefix));
  }

  public ListOptions {
    if (selector == null) selector = Selector.prefix("");
    if (!selector.key().isEmpty()) throw new IllegalArgumentException("list: a key selector is not a span");
    if (pageSize < 0) throw new IllegalArgumentException("list: pageSize must not be negative");
  }

  public ListOptions withPageSize(int pageSize) {
    return new ListOptions(selector, pageSize, keysOnly, count, serializable);
  }

  public ListOptions withKeysOnly() {
    return new ListOptions(selector, pageSize, true, count, serializable);
  }

  public ListOptions withCount() {
    return new ListOptions(selector, pageSize, keysOnly, true, serializable);
  }

  public ListOptions withSerializable() {
    return new ListOptions(selector, pageSize, keysOnly, count, true);
  }
}

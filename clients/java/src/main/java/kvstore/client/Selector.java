package kvstore.client;

/**
 * Which keys a list, watch or range operation covers: one key, a prefix, a [start, end) range (empty end =
 * no upper bound) or a glob over "/"-separated segments ("*" one segment, "**" any number).
 */
public record Selector(String key, String prefix, String start, String end, String pattern) {
  public static Selector key(String key) {
    return new Selector(key, "", "", "", "");
  }

  /** Keys that start with {@code prefix} ("" = every key). */
  public static Selector prefix(String prefix) {
    return new Selector("", prefix, "", "", "");
  }

  public static Selector range(String start, String end) {
    return new Selector("", "", start, end, "");
  }

  public static Selector pattern(String glob) {
    return new Selector("", "", "", "", glob);
  }

  public Selector {
    key = key == null ? "" : key;
    prefix = prefix == null ? "" : prefix;
    start = start == null ? "" : start;
    end = end == null ? "" : end;
    pattern = pattern == null ? "" : pattern;
  }
}

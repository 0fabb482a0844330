package kvstore.client;

/** {@link Update#update} gave up: the key kept changing under it for every attempt. */
public class UpdateConflictException extends RuntimeException {
  public UpdateConflictException(String message) {
    super(message);
  }
}

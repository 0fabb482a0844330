import { expect } from 'vitest';

/** The error `call` fails with; the test fails, saying `expected`, when the call succeeds instead. */
export async function rejectionOf(
  call: Promise<unknown>,
  expected = 'the call should have failed',
): Promise<Error> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, expected).toBeInstanceOf(Error);
  return err as Error;
}

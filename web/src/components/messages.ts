import { ApiError, Changed, SignedOut } from "@/api/client";

/** The words to show for a failure; never a stack trace nor a token. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError || error instanceof Changed || error instanceof SignedOut) {
    return error.message;
  }
  return "Something went wrong. Try again.";
}

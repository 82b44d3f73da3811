/**
 * The one limit on names people give (organizations, projects, resources, billing accounts,
 * users): the API validates it and the console's inputs take it from here, so both agree.
 */
export const NAME_MAX_LENGTH = 200;

/** The same rule the API applies, for forms: trimmed, not blank, at most NAME_MAX_LENGTH. */
export function nameProblem(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed.length === 0) return "must not be blank";
  if (trimmed.length > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters`;
  return null;
}

/** The organization the console is looking at (top bar), remembered across visits. */
export const ORG_KEY = "ktrlplane.org";

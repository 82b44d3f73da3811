/** The customer / subscription / session metadata key naming the ktrlplane billing account. */
export const accountMetadataKey = "ktrlplane_billing_account_id";
/** Which of an account's subscriptions (20 items each) an object is. */
export const slotMetadataKey = "ktrlplane_slot";
/** A metered price's scale: its meter takes the aggregate × 10^this (absent: 0). */
export const valueDecimalsMetadataKey = "ktrlplane_value_decimals";

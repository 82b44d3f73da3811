import { calendarMonthOf, epochSeconds, type Period, periodSeconds } from "./billing-period.js";
import { type Price, periodAmount } from "./pricing.js";
import { rational, roundHalfUp } from "./rational.js";

/**
 * What adding one more resource of `price` costs an account that already runs `currentQuantity`
 * of them. With tiers the marginal amount depends on the quantity (and with volume tiers it can
 * be negative: one more unit may drop every unit into a cheaper tier).
 */
export function previewCharge(options: { price: Price; currentQuantity: number; at: Date }): {
  monthly_amount: number;
  prorated_amount: number;
  period: Period;
} {
  const { price, currentQuantity, at } = options;
  const monthly_amount =
    periodAmount({ price, quantity: currentQuantity + 1 }) -
    periodAmount({ price, quantity: currentQuantity });
  const period = calendarMonthOf(at);
  const secondsLeft = epochSeconds(period.end) - epochSeconds(at);
  const prorated_amount = roundHalfUp(
    rational(BigInt(monthly_amount) * BigInt(secondsLeft), periodSeconds(period)),
  );
  return { monthly_amount, prorated_amount, period };
}

/**
 * What an invoice line shows wherever invoices are read: the finalized invoice and the upcoming
 * one (which previews the adjustments its finalization will bill) split their lines alike.
 */
import { findSku, type ResourceType, type Sku } from "../catalog";
import { formatDate, formatPeriodEnd, groupDecimal } from "../money";
import { Money } from "./ui";

/** Only what tells an adjustment from a charge: both the finalized and the upcoming lines have it. */
export interface KindedLine {
  kind: "charge" | "adjustment";
  adjusts_period: { start: string; end: string } | null;
  recomputed_amount: number | null;
  invoiced_amount: number | null;
}

export function periodText(period: { start: string; end: string }): string {
  return `${formatDate(period.start)} – ${formatPeriodEnd(period.end)}`;
}

/** The period's own charges, then the adjustments of earlier periods, each in the API's order. */
export function splitLines<L extends KindedLine>(lines: L[]): { charges: L[]; adjustments: L[] } {
  return {
    charges: lines.filter((line) => line.kind === "charge"),
    adjustments: lines.filter((line) => line.kind === "adjustment"),
  };
}

/** Under an adjustment's description: the period it corrects and the two figures it is the difference of. */
export function AdjustsNote({ line, currency }: { line: KindedLine; currency: string }) {
  if (!line.adjusts_period) return null;
  return (
    <div className="small muted">
      Adjusts {periodText(line.adjusts_period)}: recomputed{" "}
      <Money amount={line.recomputed_amount ?? 0} currency={currency} /> − invoiced{" "}
      <Money amount={line.invoiced_amount ?? 0} currency={currency} />
    </div>
  );
}

/** The row that sets adjustments apart from the period's charges, over a table's `columns`. */
export function AdjustmentsHeading({ columns }: { columns: number }) {
  return (
    <tbody>
      <tr className="invoice-section">
        <td colSpan={columns}>
          <strong>
            Adjustments of earlier periods (usage sent or voided after they were invoiced)
          </strong>
        </td>
      </tr>
    </tbody>
  );
}

/** "1,500 runs used": a metered line's usage, with the unit's name when the catalog gives one. */
export function usedUnits(usage: string, sku: Sku | undefined): string {
  return `${groupDecimal(usage)} ${sku?.meter_unit?.other ?? "units"} used`;
}

/** What an invoice line's quantity column shows: resources, or for a metered line its usage. */
export function lineQuantity(
  line: { resource_type: string; sku: string; quantity: number; usage_quantity: string | null },
  types: ResourceType[] | undefined,
): string {
  if (line.usage_quantity === null) return String(line.quantity);
  return usedUnits(line.usage_quantity, findSku(types, line.resource_type, line.sku));
}

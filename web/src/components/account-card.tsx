/**
 * A billing account: status, items (price × quantity), charges so far and the upcoming invoice;
 * for those who manage billing, rename, make primary and close.
 */
import { useEffect, useRef, useState } from "react";
import { type AccountItem, api, type UpcomingInvoice } from "../api";
import { describePrice, findSku, type ResourceType, skuAtVersion, typeName } from "../catalog";
import { formatDate, formatMoney, formatPeriodEnd } from "../money";
import { Link } from "../router";
import { useSession } from "../session";
import { useApi } from "../use-api";
import { AccountActions, AccountNameForm } from "./account-actions";
import {
  AdjustmentsHeading,
  AdjustsNote,
  lineQuantity,
  splitLines,
  usedUnits,
} from "./invoice-lines";
import { ErrorNotice, Loading, Money, StatusBadge, TableScroll } from "./ui";

export function AccountCard({
  accountId,
  onChanged,
}: {
  accountId: string;
  /** Called after a change other accounts show too (a new primary, a closed account). */
  onChanged?: () => void;
}) {
  const { me } = useSession();
  const [renaming, setRenaming] = useState(false);
  // Leaving the inline name form, the keyboard continues from the account's name.
  const [nameFocus, setNameFocus] = useState(false);
  const nameLink = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (nameFocus && !renaming) nameLink.current?.focus();
  }, [nameFocus, renaming]);
  const account = useApi(() => api.account(accountId), [accountId]);
  const types = useApi(() => api.resourceTypes(), []);
  const charges = useApi(() => api.charges(accountId), [accountId]);
  const upcoming = useApi(() => api.upcomingInvoice(accountId), [accountId]);
  const a = account.data;
  const canManage =
    me?.organizations.find((o) => o.id === a?.organization_id)?.permissions.manage_billing ?? false;

  return (
    <article
      className={`card account-card ${a?.primary ? "card-highlight" : ""}`}
      data-testid="account-card"
      aria-label={a ? `Billing account ${a.name}` : "Billing account"}
    >
      {account.loading ? <Loading what="Loading the account" /> : null}
      <ErrorNotice
        error={account.error}
        title="This billing account could not be loaded."
        onRetry={account.reload}
      />
      {a ? (
        <>
          <header className="account-head">
            <div>
              {renaming ? (
                <AccountNameForm
                  account={a}
                  onDone={(renamed) => {
                    setRenaming(false);
                    setNameFocus(true);
                    if (renamed) account.reload();
                  }}
                />
              ) : (
                <h3>
                  <Link ref={nameLink} to={`/billing-accounts/${a.id}`}>
                    {a.name}
                  </Link>
                  {a.primary ? <span className="pill pill-neutral">Primary</span> : null}
                  {a.closed_at ? (
                    <span className="pill pill-neutral" data-testid="account-closed">
                      Closed {formatDate(a.closed_at)}
                    </span>
                  ) : null}
                </h3>
              )}
              <p className="muted small">
                {a.scope === "project" ? "Project account" : "Organization account"} ·{" "}
                {a.currency.toUpperCase()}
                {` · period ${formatDate(a.current_period.start)} – ${formatPeriodEnd(a.current_period.end)}`}
              </p>
            </div>
            <StatusBadge status={a.status} />
          </header>
          {a.status === "setup_required" ? (
            <p>
              <Link to={`/billing-accounts/${a.id}/setup`}>Set up payment for this account</Link>
            </p>
          ) : null}
          {a.projects.length > 0 ? (
            <p className="small">
              Pays for:{" "}
              {a.projects.map((p, i) => (
                <span key={p.id}>
                  {i > 0 ? ", " : ""}
                  <Link to={`/projects/${p.id}`}>{p.name}</Link>
                </span>
              ))}
            </p>
          ) : (
            <p className="small muted">No project is billed to this account yet.</p>
          )}
          <h4>Items</h4>
          {a.items.length > 0 ? (
            <TableScroll label={`Items of ${a.name}`}>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col">SKU</th>
                    <th scope="col" className="num">
                      Price × quantity
                    </th>
                    <th scope="col" className="num">
                      Amount / month
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {a.items.map((item) => (
                    <tr key={`${item.resource_type}/${item.sku}/${item.price_version}`}>
                      <td>{typeName(types.data, item.resource_type)}</td>
                      <td>{item.sku}</td>
                      <td className="num">
                        {itemPrice(item, types.data, a.currency)}
                        {item.usage_quantity === null ? ` × ${item.quantity}` : null}
                      </td>
                      <td className="num">
                        <Money amount={item.amount} currency={a.currency} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : (
            <p className="small muted">No running resources.</p>
          )}
          <div className="account-totals">
            <div>
              <span className="label">Charges this period so far</span>
              {charges.data ? (
                <strong data-testid="charges-total">
                  <Money amount={charges.data.total} currency={charges.data.currency} />
                </strong>
              ) : charges.loading ? (
                <span className="muted">…</span>
              ) : null}
              <ErrorNotice error={charges.error} onRetry={charges.reload} />
            </div>
            <div>
              <span className="label">
                Upcoming invoice
                {upcoming.data ? ` (${formatPeriodEnd(upcoming.data.period.end)})` : ""}
              </span>
              {upcoming.data ? (
                <strong data-testid="upcoming-total">
                  <Money amount={upcoming.data.total} currency={upcoming.data.currency} />
                </strong>
              ) : upcoming.loading ? (
                <span className="muted">…</span>
              ) : null}
              <ErrorNotice error={upcoming.error} onRetry={upcoming.reload} />
            </div>
          </div>
          {upcoming.data ? (
            <UpcomingInvoiceLines upcoming={upcoming.data} types={types.data} />
          ) : null}
          {canManage && !renaming ? (
            <AccountActions
              account={a}
              onRename={() => {
                setNameFocus(false);
                setRenaming(true);
              }}
              onChanged={onChanged ?? account.reload}
            />
          ) : null}
        </>
      ) : null}
    </article>
  );
}

/**
 * The upcoming invoice's lines: the period's charges, then apart the adjustments of earlier
 * periods that late usage or voids call for, as the finalized invoice will show them.
 */
export function UpcomingInvoiceLines({
  upcoming,
  types,
}: {
  upcoming: UpcomingInvoice;
  types: ResourceType[] | undefined;
}) {
  if (upcoming.lines.length === 0) return null;
  const { charges, adjustments } = splitLines(upcoming.lines);
  const rows = (lines: UpcomingInvoice["lines"]) =>
    lines.map((line) => (
      <tr key={`${line.kind}-${line.resource_type}-${line.sku}-${line.description}`}>
        <td>
          {line.description}
          <AdjustsNote line={line} currency={upcoming.currency} />
        </td>
        <td className="num">{lineQuantity(line, types)}</td>
        <td className="num">
          <Money amount={line.amount} currency={upcoming.currency} />
        </td>
      </tr>
    ));
  return (
    <details className="invoice-lines">
      <summary>
        Upcoming invoice lines ({upcoming.lines.length}
        {adjustments.length > 0
          ? `, ${adjustments.length} pending adjustment${adjustments.length === 1 ? "" : "s"}`
          : ""}
        )
      </summary>
      <TableScroll label="Upcoming invoice lines">
        <table className="table compact">
          <tbody>{rows(charges)}</tbody>
          {adjustments.length > 0 ? (
            <>
              <AdjustmentsHeading columns={3} />
              <tbody data-testid="upcoming-adjustments">{rows(adjustments)}</tbody>
            </>
          ) : null}
        </table>
      </TableScroll>
    </details>
  );
}

/**
 * An item's unit price; for a metered one, with the month's usage it prices. Tiered and free prices have no single unit amount (`unit_amount` is
 * null): the catalog's description of the price stands in, or "—" while it is unknown.
 */
export function itemPrice(
  item: AccountItem,
  types: ResourceType[] | undefined,
  currency: string,
): string {
  const found = findSku(types, item.resource_type, item.sku);
  // Tiers of the version these resources are billed at, which may be an earlier one.
  const sku = found ? skuAtVersion(found, item.price_version) : undefined;
  if (item.usage_quantity !== null) {
    // Metered: the amount prices the month's usage, not the number of resources.
    return `${sku ? describePrice(sku) : "—"} × ${usedUnits(item.usage_quantity, sku)}`;
  }
  if (item.unit_amount !== null) return formatMoney(item.unit_amount, currency);
  return sku ? describePrice(sku) : "—";
}

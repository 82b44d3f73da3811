/** A finalized invoice, printable: lines with the price they were billed at, shares, totals. */
import { api, type FinalizedInvoice } from "../api";
import { describePrice, findSku, type ResourceType, readSku } from "../catalog";
import {
  AdjustmentsHeading,
  AdjustsNote,
  lineQuantity,
  periodText,
  splitLines,
} from "../components/invoice-lines";
import { Breadcrumbs, Loading, Money, PageLoadFailed, TableScroll } from "../components/ui";
import { formatDateTime } from "../money";
import { useApi } from "../use-api";
import "../invoice.css";

type Line = FinalizedInvoice["lines"][number];

function priceOf(line: Line, types: ResourceType[] | undefined): string {
  // The frozen definition is a catalog price at one version, with no history around it.
  const sku = readSku({
    ...line.price,
    version: line.price_version,
    versions: [],
    scheduled_change: null,
  });
  // It names the meter, not what one unit of it is called: the catalog does, when it says.
  const unit = sku.meter_unit ?? findSku(types, line.resource_type, line.sku)?.meter_unit;
  return describePrice(unit ? { ...sku, meter_unit: unit } : sku);
}

/**
 * A line and its shares. An adjustment says which period it corrects and the two figures it is
 * the difference of; it may be negative (a void), and so may its shares.
 */
function LineRows({ line, types }: { line: Line; types: ResourceType[] | undefined }) {
  return (
    <tbody data-testid={line.kind === "adjustment" ? "invoice-adjustment" : undefined}>
      <tr className="invoice-line">
        <th scope="row">
          {line.description}
          <AdjustsNote line={line} currency={line.currency} />
        </th>
        <td>{priceOf(line, types)}</td>
        <td className="num">{lineQuantity(line, types)}</td>
        <td className="num">
          <Money amount={line.amount} currency={line.currency} />
        </td>
      </tr>
      {line.shares.map((share) => (
        <tr key={`${share.resource_id}/${share.project_id}`} className="invoice-share">
          <td colSpan={3}>
            {share.resource_name} <span className="muted">in {share.project_name}</span>
          </td>
          <td className="num">
            <Money amount={share.amount} currency={line.currency} />
          </td>
        </tr>
      ))}
    </tbody>
  );
}

export function InvoicePage({ id }: { id: string }) {
  const invoice = useApi(() => api.invoice(id), [id]);
  // Only for unit names ("per run"): the page reads without them while the catalog loads or fails.
  const types = useApi(() => api.resourceTypes(), []);
  const inv = invoice.data;
  if (invoice.loading && !inv) return <Loading what="Loading the invoice" />;
  if (!inv)
    return (
      <PageLoadFailed
        label="Invoice"
        error={invoice.error}
        title="The invoice could not be loaded."
        onRetry={invoice.reload}
      />
    );
  const period = periodText(inv.period);
  const { charges, adjustments } = splitLines(inv.lines);
  return (
    <div className="invoice-page">
      <div className="no-print">
        <Breadcrumbs
          items={[
            { label: "Home", to: "/" },
            { label: inv.billing_account.name, to: `/billing-accounts/${inv.billing_account_id}` },
            { label: `Invoice ${inv.number}` },
          ]}
        />
        <p className="invoice-actions">
          <button type="button" className="button-secondary" onClick={() => window.print()}>
            Print or save as PDF
          </button>
        </p>
      </div>
      <article className="card invoice-doc" aria-labelledby="invoice-title">
        <header className="invoice-head">
          <div>
            <p className="eyebrow">Invoice</p>
            <h1 id="invoice-title">{inv.number}</h1>
          </div>
          <dl className="invoice-meta">
            <div>
              <dt>Billed to</dt>
              <dd>{inv.billing_account.name}</dd>
            </div>
            <div>
              <dt>Account</dt>
              <dd className="mono">{inv.billing_account_id}</dd>
            </div>
            <div>
              <dt>Period (UTC)</dt>
              <dd>{period}</dd>
            </div>
            <div>
              <dt>Finalized</dt>
              <dd>{formatDateTime(inv.finalized_at)}</dd>
            </div>
          </dl>
        </header>

        <TableScroll label={`Lines of invoice ${inv.number}`}>
          <table className="table invoice-lines-table">
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col">Price</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            {charges.map((line) => (
              <LineRows key={line.line_no} line={line} types={types.data} />
            ))}
            {adjustments.length > 0 ? <AdjustmentsHeading columns={4} /> : null}
            {adjustments.map((line) => (
              <LineRows key={line.line_no} line={line} types={types.data} />
            ))}
            <tfoot>
              <tr className="invoice-total">
                <th scope="row" colSpan={3}>
                  Total
                </th>
                <td className="num" data-testid="invoice-total">
                  <Money amount={inv.total} currency={inv.currency} />
                </td>
              </tr>
            </tfoot>
          </table>
        </TableScroll>

        {inv.projects.length > 0 ? (
          <section aria-labelledby="invoice-projects">
            <h2 id="invoice-projects">By project</h2>
            <TableScroll label="Invoice total by project">
              <table className="table compact">
                <tbody>
                  {inv.projects.map((p) => (
                    <tr key={p.project_id}>
                      <th scope="row">{p.project_name}</th>
                      <td className="num">
                        <Money amount={p.amount} currency={inv.currency} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </section>
        ) : null}
        {inv.provider ? <StripeInvoices invoice={inv} /> : null}
        <p className="small muted">
          Quantity is the resources running at the period&apos;s end, or a metered line&apos;s usage
          over the period. Amounts are prorated by the second over the period and rounded once per
          line; the shares of a line add up to it exactly. This invoice is final and never changes.
        </p>
      </article>
    </div>
  );
}

/**
 * What Stripe billed for the same month, next to this (the ledger's) invoice: Stripe bills in
 * advance, so the month's service spreads over the invoice that opened it and the renewal that
 * closed it. A difference beyond a unit per line means the two sides disagree.
 */
function StripeInvoices({ invoice }: { invoice: FinalizedInvoice }) {
  const provider = invoice.provider;
  if (!provider) return null;
  return (
    <section aria-labelledby="invoice-stripe" className="no-print">
      <h2 id="invoice-stripe">In Stripe</h2>
      <p data-testid="invoice-stripe-total">
        Stripe billed <Money amount={provider.total.provider} currency={invoice.currency} /> for
        this month&apos;s service
        {provider.total.drift === 0 ? (
          ", the same as this invoice."
        ) : (
          <>
            , <Money amount={provider.total.drift} currency={invoice.currency} /> from this invoice.
          </>
        )}
      </p>
      <TableScroll label="Stripe's invoices for this month">
        <table className="table compact">
          <tbody>
            {provider.invoices.map((stripe) => (
              <tr key={stripe.id}>
                <th scope="row">{stripe.number ?? stripe.id}</th>
                <td>{stripe.status}</td>
                <td className="num">
                  <Money amount={stripe.total} currency={stripe.currency} />
                </td>
                <td>
                  {stripe.hosted_invoice_url ? (
                    <a href={stripe.hosted_invoice_url} target="_blank" rel="noreferrer">
                      View in Stripe
                    </a>
                  ) : null}{" "}
                  {stripe.invoice_pdf ? (
                    <a href={stripe.invoice_pdf} target="_blank" rel="noreferrer">
                      PDF
                    </a>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

/** A billing account's finalized invoices, newest first, each linking to its printable page. */
import { useState } from "react";
import { type ApiError, api, type InvoiceSummary } from "../api";
import { formatDate, formatPeriodEnd } from "../money";
import { Link } from "../router";
import { useApi } from "../use-api";
import { ErrorNotice, Loading, Money, TableScroll } from "./ui";
import "../invoice.css";

export function InvoiceList({ accountId }: { accountId: string }) {
  const [extra, setExtra] = useState<InvoiceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useApi(async () => {
    const page = await api.accountInvoices(accountId);
    setExtra([]);
    setCursor(page.next_cursor);
    return page;
  }, [accountId]);

  async function more() {
    if (!cursor) return;
    setBusy(true);
    setMoreError(null);
    try {
      const page = await api.accountInvoices(accountId, cursor);
      setExtra((e) => [...e, ...page.data]);
      setCursor(page.next_cursor);
    } catch (e) {
      setMoreError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  const invoices = [...(first.data?.data ?? []), ...extra];
  return (
    <section className="card invoice-list" aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      {first.loading && !first.data ? <Loading what="Loading the invoices" /> : null}
      <ErrorNotice
        error={first.error}
        title="The invoices could not be loaded."
        onRetry={first.reload}
      />
      {first.data && invoices.length === 0 ? (
        <p className="small muted">
          No invoice yet. Each month's invoice is finalized shortly after the month ends (UTC).
        </p>
      ) : null}
      {invoices.length > 0 ? (
        <TableScroll label="Invoices">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Period</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((invoice) => (
                <tr key={invoice.id}>
                  <td>
                    <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link>
                  </td>
                  <td>
                    {formatDate(invoice.period.start)} – {formatPeriodEnd(invoice.period.end)}
                  </td>
                  <td className="num">
                    <Money amount={invoice.total} currency={invoice.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {cursor ? (
        <button type="button" className="button-secondary" onClick={more} disabled={busy}>
          {busy ? "Loading…" : "Older invoices"}
        </button>
      ) : null}
      <ErrorNotice error={moreError} title="More invoices could not be loaded." />
    </section>
  );
}

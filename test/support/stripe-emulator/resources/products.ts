import { type Engine, previousAttributes, type Route } from "../engine.js";
import { invalidRequest, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { Product } from "../objects.js";
import {
  arr,
  bool,
  emptyable,
  listShape,
  mergeMetadata,
  metadata,
  parseParams,
  required,
  str,
} from "../params.js";

const writableShape = {
  active: bool(),
  description: emptyable(str()),
  metadata: metadata(),
  statement_descriptor: emptyable(str()),
  tax_code: emptyable(str()),
  unit_label: emptyable(str()),
  url: emptyable(str()),
  images: arr(str()),
};

export function getProduct(engine: Engine, id: string, param?: string): Product {
  const product = engine.state.products.get(id);
  if (product === undefined) throw resourceMissing("product", id, param);
  return product;
}

export interface NewProduct {
  id?: string;
  name: string;
  active?: boolean;
  description?: string | null;
  metadata?: Record<string, string> | null;
  statement_descriptor?: string | null;
  tax_code?: string | null;
  unit_label?: string | null;
  url?: string | null;
  images?: string[];
}

/** Shared by `POST /v1/products` and prices created with `product_data`. */
export function createProduct(
  engine: Engine,
  p: NewProduct,
  origin: Parameters<Engine["recordEvent"]>[2],
) {
  // Products may carry caller-chosen ids, which makes catalog sync naturally idempotent.
  if (p.id !== undefined && engine.state.products.has(p.id)) {
    throw invalidRequest(`Product already exists.`, "resource_already_exists", "id");
  }
  const now = engine.clock.now();
  const product: Product = {
    id: p.id ?? engine.newId("prod", 14),
    object: "product",
    active: p.active ?? true,
    created: now,
    default_price: null,
    description: p.description ?? null,
    images: p.images ?? [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, p.metadata),
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: p.statement_descriptor ?? null,
    tax_code: p.tax_code ?? null,
    type: "service",
    unit_label: p.unit_label ?? null,
    updated: now,
    url: p.url ?? null,
  };
  engine.state.products.set(product.id, product);
  engine.recordEvent("product.created", product, origin);
  return product;
}

export const productRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/products",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams({ ...writableShape, id: str(), name: required(str()) }, params);
      return structuredClone(createProduct(engine, p, origin));
    },
  },
  {
    method: "GET",
    path: "/v1/products/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      return structuredClone(getProduct(engine, pathParams.id as string));
    },
  },
  {
    method: "POST",
    path: "/v1/products/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams({ ...writableShape, name: str() }, params);
      const product = getProduct(engine, pathParams.id as string);
      const before = structuredClone(product);
      if (p.name !== undefined) product.name = p.name;
      if (p.active !== undefined) product.active = p.active;
      if (p.description !== undefined) product.description = p.description;
      if (p.statement_descriptor !== undefined)
        product.statement_descriptor = p.statement_descriptor;
      if (p.tax_code !== undefined) product.tax_code = p.tax_code;
      if (p.unit_label !== undefined) product.unit_label = p.unit_label;
      if (p.url !== undefined) product.url = p.url;
      if (p.images !== undefined) product.images = p.images;
      product.metadata = mergeMetadata(product.metadata, p.metadata);
      product.updated = engine.clock.now();
      engine.recordEvent(
        "product.updated",
        product,
        origin,
        previousAttributes(before as never, product as never),
      );
      return structuredClone(product);
    },
  },
  {
    method: "GET",
    path: "/v1/products",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ ...listShape, active: bool(), ids: arr(str()) }, params);
      const all = [...engine.state.products.values()].filter(
        (x) =>
          (p.active === undefined || x.active === p.active) &&
          (p.ids === undefined || p.ids.includes(x.id)),
      );
      return paginate(all, p, "/v1/products");
    },
  },
];

// A small typed coophub client: list a town's cooperatives, then file a loan application.
// The types come from the committed OpenAPI document (`openapi-typescript` writes
// `schema.d.ts`, see README "Integrating"); `tsc --strict` checks this file against them, so a
// change to the contract that breaks a front end breaks CI first.

import type { components, paths } from "./schema";

type CooperativeList =
  paths["/api/v1/cooperatives"]["get"]["responses"][200]["content"]["application/json"];
type CooperativeQuery = NonNullable<paths["/api/v1/cooperatives"]["get"]["parameters"]["query"]>;
type LoanCreate = components["schemas"]["LoanCreate"];
type LoanOut = components["schemas"]["LoanOut"];
type Problem = components["schemas"]["Problem"];

export class CoophubError extends Error {
  constructor(public readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
  }
}

export class Coophub {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly language: "zh-CN" | "en" = "zh-CN",
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      "Accept-Language": this.language,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new CoophubError((await res.json()) as Problem);
    return (await res.json()) as T;
  }

  /** One page of cooperatives, with `total` when `count` is asked for. */
  listCooperatives(query: CooperativeQuery = {}): Promise<CooperativeList> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null) params.set(k, String(v));
    }
    return this.call<CooperativeList>("GET", `/api/v1/cooperatives?${params}`);
  }

  /** Files a loan application; amounts are integer fen. */
  applyForLoan(application: LoanCreate): Promise<LoanOut> {
    return this.call<LoanOut>("POST", "/api/v1/loans", application);
  }
}

export async function demo(base: string, token: string): Promise<void> {
  const api = new Coophub(base, token);
  const page = await api.listCooperatives({ town_code: "500119110", count: true, limit: 20 });
  console.log(`${page.total ?? page.items.length} cooperatives in 金山镇`);
  const first = page.items[0];
  if (first === undefined) return;
  const loan = await api.applyForLoan({
    cooperative_id: first.id,
    product_id: 1,
    amount_fen: 50_000_000, // ¥500,000.00
    term_months: 12,
    purpose: "购置茶叶加工设备",
  });
  console.log(`loan ${loan.id}: ${loan.status}`);
}

// A small app client written against the generated types: if the document
// changes shape in a way an app developer would trip on, this stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "./mobile";

type Schemas = components["schemas"];
type ProposalCard = Schemas["ProposalCard"];
type SyncPage = Schemas["SyncPage"];
type Problem = Schemas["Problem"];
type BallotScreen = Schemas["BallotScreen"];

const client = createClient<paths>({
  baseUrl: "https://decide.contagem.mg.gov.br/mobile/v1",
  headers: { "Accept-Language": "pt-BR", "X-App-Version": "2.4.0", "X-Platform": "android" },
});

function fail(problem: Problem): never {
  throw new Error(`${problem.title}: ${problem.detail ?? ""}`);
}

export async function signIn(email: string, password: string, deviceId: string): Promise<string> {
  const { data, error } = await client.POST("/auth/sign-in", {
    body: { email, password, device_id: deviceId },
  });
  if (error) fail(error);
  return data.access_token;
}

export async function registerDevice(accessToken: string, token: string): Promise<number> {
  const { data, error } = await client.POST("/devices", {
    body: { platform: "android", token, locale: "pt-BR", app_version: "2.4.0" },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) fail(error);
  return data.id;
}

export async function proposalsOf(componentId: number, cursor?: string): Promise<ProposalCard[]> {
  const { data, error } = await client.GET("/components/{component_id}/proposals", {
    params: { path: { component_id: componentId }, query: { limit: 20, cursor } },
  });
  if (error) fail(error);
  return data.items;
}

export async function mayISupport(proposalId: number, accessToken: string): Promise<string | null> {
  const { data, error } = await client.GET("/proposals/{proposal_id}", {
    params: { path: { proposal_id: proposalId } },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) fail(error);
  const viewer = data.viewer;
  if (!viewer) return "Sign in first.";
  return viewer.may_support ? null : (viewer.why_not ?? "Not now.");
}

/** Follows the change feed to its end; returns the cursor to store. */
export async function syncAll(
  since: string | undefined,
  store: { put(card: ProposalCard): void; remove(type: string, id: number): void },
): Promise<string | undefined> {
  let cursor = since;
  for (;;) {
    const { data, error } = await client.GET("/sync", {
      params: { query: { since: cursor, types: "proposal,meeting" } },
    });
    if (error) fail(error);
    const page: SyncPage = data;
    for (const change of page.changes) {
      if (change.deleted || change.record === null) {
        store.remove(change.type, change.id);
      } else if (change.type === "proposal") {
        store.put(change.record);
      }
    }
    cursor = page.next_cursor;
    if (!page.more) return cursor;
  }
}

export async function feedTitles(accessToken: string): Promise<string[]> {
  const { data, error } = await client.GET("/feed", {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) fail(error);
  return data.items.map(
    (item) =>
      item.proposal?.title ??
      item.meeting?.title ??
      item.budget?.title ??
      item.survey?.title ??
      "",
  );
}

export async function support(proposalId: number, accessToken: string): Promise<number | null> {
  const { data, error } = await client.POST("/proposals/{proposal_id}/support", {
    params: { path: { proposal_id: proposalId } },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) fail(error);
  return data.supports_count;
}

export async function propose(componentId: number, accessToken: string): Promise<number> {
  const { data, error } = await client.POST("/components/{component_id}/proposals", {
    params: { path: { component_id: componentId } },
    body: {
      title: { "pt-BR": "Semáforo na avenida" },
      body: { "pt-BR": "<p>Travessia perigosa.</p>" },
      latitude: -19.93,
      longitude: -44.05,
    },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) fail(error);
  return data.id;
}

/** Puts a project on the ballot and casts it if the vote rule is met; a retry
 * with the same key replays the first answer. Returns why not, if not cast. */
export async function voteFor(
  budgetId: number,
  projectId: number,
  accessToken: string,
  retryKey: string,
): Promise<string | null> {
  const auth = { Authorization: `Bearer ${accessToken}` };
  const added = await client.PUT("/budgets/{budget_id}/ballot/projects/{project_id}", {
    params: { path: { budget_id: budgetId, project_id: projectId } },
    headers: { ...auth, "Idempotency-Key": `${retryKey}-add` },
  });
  if (added.error) fail(added.error);
  const ballot: BallotScreen = added.data;
  const viewer = ballot.budget.viewer;
  if (!viewer || !viewer.rule_met) return viewer?.why_not ?? "Sign in first.";
  const { data, error } = await client.POST("/budgets/{budget_id}/ballot/checkout", {
    params: { path: { budget_id: budgetId } },
    headers: { ...auth, "Idempotency-Key": `${retryKey}-checkout` },
  });
  if (error) fail(error);
  return data.budget.viewer?.checked_out_at ? null : "Not cast.";
}

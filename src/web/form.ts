import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * Form values of a request as Go's r.Form: the URL-encoded body of a POST
 * first, then the query string, so that `get()` prefers the body as
 * Go's FormValue does, and `getAll("match[]")` sees both.
 */
export function formValues(req: FastifyRequest): URLSearchParams {
  const form = new URLSearchParams();
  if (req.body instanceof URLSearchParams) for (const [k, v] of req.body) form.append(k, v);
  const q = req.url.indexOf("?");
  if (q >= 0) for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) form.append(k, v);
  return form;
}

/** Parses `application/x-www-form-urlencoded` bodies into URLSearchParams. */
export function addFormParser(app: FastifyInstance): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
}

import { z } from "zod";
import { listOrganizationsOfUser } from "../../db/organizations.js";
import { permissionsOf } from "../../domain/roles.js";
import { logIn } from "../../identity/log-in.js";
import { signUp } from "../../identity/sign-up.js";
import { presentUser } from "../presenters.js";
import { route } from "../route.js";
import { logInBody, permissionsResponse, signUpBody, userResponse } from "../schemas.js";

export const authRoutes = [
  route({
    method: "POST",
    url: "/v1/auth/signup",
    summary: "Create a user and sign in",
    tag: "auth",
    auth: false,
    body: signUpBody,
    errors: [409, 429],
    status: 201,
    response: z.object({ user: userResponse, token: z.string() }),
    handler: async ({ ctx, body, request }) => {
      const { user, token } = await signUp({ ctx, input: body, address: request.ip });
      return { user: presentUser(user), token };
    },
  }),
  route({
    method: "POST",
    url: "/v1/auth/login",
    summary: "Exchange email and password for a bearer token",
    tag: "auth",
    auth: false,
    body: logInBody,
    errors: [401, 429],
    response: z.object({ token: z.string() }),
    handler: async ({ ctx, body, request }) => ({
      token: (await logIn({ ctx, input: body, address: request.ip })).token,
    }),
  }),
  route({
    method: "GET",
    url: "/v1/me",
    summary: "The caller and the organizations they belong to",
    tag: "auth",
    response: z.object({
      user: userResponse,
      organizations: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          role: z.string().nullable(),
          permissions: permissionsResponse,
        }),
      ),
    }),
    handler: async ({ ctx, user }) => {
      const organizations = await listOrganizationsOfUser({ db: ctx.db, userId: user.id });
      return {
        user: presentUser(user),
        organizations: organizations.map((o) => ({
          id: o.id,
          name: o.name,
          role: o.role,
          permissions: permissionsOf(o.role === null ? [] : [o.role]),
        })),
      };
    },
  }),
];

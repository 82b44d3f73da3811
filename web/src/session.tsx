/** Who is signed in: the token (localStorage) and `/v1/me`, shared through context. */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { type ApiError, api, type Me, setUnauthorizedHandler, tokenStore } from "./api";
import { navigate } from "./router";

interface Session {
  token: string | null;
  me: Me | null;
  loading: boolean;
  error: ApiError | null;
  signIn(token: string): Promise<Me | null>;
  signOut(): void;
  refresh(): Promise<Me | null>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState<boolean>(() => tokenStore.get() !== null);
  const [error, setError] = useState<ApiError | null>(null);

  const refresh = useCallback(async () => {
    if (!tokenStore.get()) {
      setMe(null);
      setLoading(false);
      return null;
    }
    try {
      const next = await api.me();
      setMe(next);
      setError(null);
      return next;
    } catch (e) {
      setError(e as ApiError);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);

  const signOut = useCallback(() => {
    tokenStore.clear();
    setToken(null);
    setMe(null);
    navigate("/login");
  }, []);

  const signIn = useCallback(
    async (next: string) => {
      tokenStore.set(next);
      setToken(next);
      setLoading(true);
      return refresh();
    },
    [refresh],
  );

  useEffect(() => {
    setUnauthorizedHandler(() => {
      tokenStore.clear();
      setToken(null);
      setMe(null);
      navigate(`/login?expired=1&next=${encodeURIComponent(window.location.pathname)}`);
    });
    void refresh();
  }, [refresh]);

  return (
    <SessionContext.Provider value={{ token, me, loading, error, signIn, signOut, refresh }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

// Minimal types for the parts of autocannon 8 the benchmarks use (it ships none; @types/autocannon lags behind).
declare module 'autocannon' {
  namespace autocannon {
    interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }
    interface RequestSpec extends Request { setupRequest?: (req: Request, context: Record<string, unknown>) => Request; onResponse?: (status: number, body: string, context: Record<string, unknown>) => void }
    interface Options { url: string; connections?: number; duration?: number; amount?: number; pipelining?: number; requests?: RequestSpec[]; overallRate?: number; method?: string; headers?: Record<string, string>; body?: string }
    interface Histogram { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p90: number; p97_5: number; p99: number }
    interface Result { latency: Histogram; requests: Histogram; duration: number; errors: number; timeouts: number; non2xx: number; '2xx': number; '4xx': number; '5xx': number }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}

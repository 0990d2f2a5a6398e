// The plugin registry: names → plugins. Profiles refer to plugins by name; resolving a profile against a registry
// fails at start-up (ProfileError) on an unknown name, a duplicate, or a plugin of the wrong kind.
import type { Plugin, PluginKind } from './framework.ts';
import { ProfileError } from './profile-error.ts';
import { FILTER_PLUGINS } from './plugins/filters.ts';
import { PRE_FILTER_PLUGINS } from './plugins/pre-filters.ts';
import { QUEUE_SORT_PLUGINS } from './plugins/queue-sorts.ts';
import { SCORE_PLUGINS } from './plugins/scores.ts';
import { SELECT_PLUGINS } from './plugins/select.ts';

export class PluginRegistry {
  private readonly plugins = new Map<string, Plugin>();

  register(plugin: Plugin): this {
    if (this.plugins.has(plugin.name)) throw new ProfileError(`plugin '${plugin.name}' is registered twice`, { plugin: plugin.name });
    this.plugins.set(plugin.name, plugin);
    return this;
  }

  get<K extends PluginKind>(name: string, kind: K): Extract<Plugin, { kind: K }> {
    const p = this.plugins.get(name);
    if (!p) {
      const known = [...this.plugins.values()].filter((x) => x.kind === kind).map((x) => x.name);
      throw new ProfileError(`unknown ${kind} plugin '${name}' (known: ${known.join(', ')})`, { plugin: name, kind });
    }
    if (p.kind !== kind) throw new ProfileError(`plugin '${name}' is a ${p.kind} plugin, not ${kind}`, { plugin: name, kind });
    return p as Extract<Plugin, { kind: K }>;
  }

  names(): string[] {
    return [...this.plugins.keys()].sort();
  }
}

/** A registry with every built-in plugin. */
export function defaultRegistry(): PluginRegistry {
  const r = new PluginRegistry();
  for (const p of [...QUEUE_SORT_PLUGINS, ...PRE_FILTER_PLUGINS, ...FILTER_PLUGINS, ...SCORE_PLUGINS, ...SELECT_PLUGINS]) r.register(p);
  return r;
}

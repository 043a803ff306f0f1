// MemoryRepository with an undo journal. The router's own transaction support has no
// rollback in memory and caps a transaction at 50 updates (8 entries with conditional
// create), which real VN Core records exceed; so the store runs transaction Bundles as
// batches and undoes every write itself when one entry fails, as a real store would.
import { OperationOutcomeError } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { WithId } from '@medplum/core';

/** State of one resource before the first write of the current unit of work. */
interface Before {
  resourceType: string;
  id: string;
  previous: Resource | undefined;
}

export class JournalRepository extends MemoryRepository {
  private journal: Map<string, Before> | undefined;

  /** Starts recording prior states; writes until commit() or rollback() form one unit. */
  begin(): void {
    this.journal = new Map();
  }

  /** Keeps the writes and returns the `Type/id` keys that did not exist before. */
  commit(): Set<string> {
    const createdKeys = new Set<string>();
    for (const [key, before] of this.journal ?? []) if (!before.previous) createdKeys.add(key);
    this.journal = undefined;
    return createdKeys;
  }

  /** Puts every resource touched since begin() back as it was. */
  async rollback(): Promise<void> {
    const journal = this.journal;
    this.journal = undefined;
    if (!journal) return;
    for (const before of [...journal.values()].reverse()) {
      if (before.previous) {
        // createResource keeps meta.versionId/lastUpdated when present, so this restores
        // the exact prior version (history gains a copy of it; reads are unaffected).
        await super.createResource(before.previous);
      } else if (await this.exists(before.resourceType, before.id)) {
        await super.deleteResource(before.resourceType, before.id);
      }
    }
  }

  async exists(resourceType: string, id: string): Promise<boolean> {
    try {
      await super.readResource(resourceType, id);
      return true;
    } catch (err) {
      if (err instanceof OperationOutcomeError) return false;
      throw err;
    }
  }

  override async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    // MemoryRepository reverses its stored version list in place to answer newest-first,
    // which leaves it reversed for the next write and the next read. Reading twice puts
    // it back in order; the first answer is the correct one.
    const history = await super.readHistory<T>(resourceType, id);
    await super.readHistory<T>(resourceType, id);
    return history;
  }

  // updateResource() and the router's create paths all end here.
  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    // Assign the id here rather than inside the parent, so that the journal knows it.
    const withId = resource.id ? resource : { ...resource, id: this.generateId() };
    await this.remember(withId.resourceType, withId.id as string);
    return super.createResource(withId);
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await this.remember(resourceType, id);
    return super.deleteResource(resourceType, id);
  }

  private async remember(resourceType: string, id: string): Promise<void> {
    const key = `${resourceType}/${id}`;
    if (!this.journal || this.journal.has(key)) return;
    let previous: Resource | undefined;
    if (await this.exists(resourceType, id)) previous = await super.readResource(resourceType, id);
    this.journal.set(key, { resourceType, id, previous });
  }
}

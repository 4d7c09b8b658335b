"""The log append as one PostgreSQL function, so the log head is held for one round trip.

Appends are serialised by the log head row, held from the moment an append moves it until
its transaction commits (store.py). Done from Python, an append is four round trips (move the
head, read the frontier, insert the entries, insert the nodes), and under load each answer
waits for its thread to get a core and the GIL back: with every other signer queued on the
head, those waits were most of a signature's time on PostgreSQL (docs/performance.md,
"Signature storm"). Here the same steps run inside the server, and the caller waits once.

The function is store.append_leaves' algorithm (merkle.CompactRange.append), RFC 9162
section 2.1.1: a leaf hash is SHA-256(0x00 || leaf), a node SHA-256(0x01 || left || right);
appending leaf `size` completes the perfect subtree at each level while bit `level` of
`size` is set, and each completed one is stored as a ledger_subtree row. Every statement in
the function takes a fresh snapshot (READ COMMITTED), so the frontier it reads after the
head move includes the append that held the head before it. The tests run the ledger suite
against it on PostgreSQL and compare its roots with merkle.py's. `sha256(bytea)` is built into
PostgreSQL 11 and later.

Versioned and frozen, like triggers.py: migration 0004 installs exactly V1; a change means
a V2 here and a new migration.
"""

from __future__ import annotations

FUNCTION_V1 = "dissent_ledger_append_v1"

CREATE_V1 = f"""
CREATE OR REPLACE FUNCTION {FUNCTION_V1}(event_ids bigint[], leaves bytea[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    n integer := coalesce(cardinality(leaves), 0);
    first_index bigint;
    next_index bigint;
    tiles bytea[] := '{{}}';  -- tiles[b + 1]: root of the tile at level b, per set bit b
    b integer;
    h bytea;
    lvl integer;
    k integer;
BEGIN
    IF n = 0 OR cardinality(event_ids) <> n THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'an append needs as many event ids as leaves, and at least one';
    END IF;
    UPDATE ledger_loghead SET size = ledger_loghead.size + n WHERE id = 1
        RETURNING ledger_loghead.size - n INTO first_index;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'data_corrupted',
            MESSAGE = 'the log head row is missing; run `dissent ledger verify`';
    END IF;
    next_index := first_index;
    FOR b IN 0..62 LOOP
        EXIT WHEN (next_index >> b) = 0;
        IF ((next_index >> b) & 1) = 1 THEN
            IF b = 0 THEN
                SELECT e.leaf_hash INTO h FROM ledger_logentry e WHERE e."index" = next_index - 1;
            ELSE
                SELECT s.hash INTO h FROM ledger_subtree s
                    WHERE s.level = b AND s."index" = (next_index >> b) - 1;
            END IF;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'data_corrupted', MESSAGE = format(
                    'a stored log node is missing (level %s, size %s); run `dissent ledger verify`',
                    b, next_index);
            END IF;
            tiles[b + 1] := h;
        END IF;
    END LOOP;
    FOR k IN 1..n LOOP
        h := sha256('\\x00'::bytea || leaves[k]);
        INSERT INTO ledger_logentry ("index", event_id, leaf, leaf_hash)
            VALUES (next_index, event_ids[k], leaves[k], h);
        lvl := 0;
        WHILE ((next_index >> lvl) & 1) = 1 LOOP
            h := sha256('\\x01'::bytea || tiles[lvl + 1] || h);
            tiles[lvl + 1] := NULL;
            lvl := lvl + 1;
            INSERT INTO ledger_subtree (level, "index", hash)
                VALUES (lvl, ((next_index + 1) >> lvl) - 1, h);
        END LOOP;
        tiles[lvl + 1] := h;
        next_index := next_index + 1;
    END LOOP;
    RETURN first_index;
END
$fn$
"""  # noqa: S608 - a constant name, no input

DROP_V1 = f"DROP FUNCTION IF EXISTS {FUNCTION_V1}(bigint[], bytea[])"
CALL_V1 = f"SELECT {FUNCTION_V1}(%s::bigint[], %s::bytea[])"
CORRUPTED = "XX001"  # data_corrupted: what the function raises when the stored log is not whole

"""Versioned schema migrations; ``PRAGMA user_version`` records how far a file has come."""

from __future__ import annotations

# Each entry upgrades the file from version i to i + 1. Never edit a released entry: append.
MIGRATIONS: list[str] = [
    # 1: catalog, orders, waves and pick lists, scans, audit.
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('picker', 'packer', 'supervisor', 'admin')),
        pin_hash TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE locations (
        code TEXT PRIMARY KEY,
        sequence INTEGER,
        needs_count INTEGER NOT NULL DEFAULT 0,
        count_reason TEXT
    );
    CREATE TABLE products (
        sku TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
        reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
        safety_stock INTEGER NOT NULL DEFAULT 0,
        weight_g INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX products_location ON products (location);
    CREATE TABLE barcodes (
        code TEXT PRIMARY KEY,
        sku TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE
    );
    CREATE INDEX barcodes_sku ON barcodes (sku);
    CREATE TABLE waves (
        id INTEGER PRIMARY KEY,
        released_at TEXT NOT NULL,
        released_by TEXT NOT NULL,
        order_count INTEGER NOT NULL
    );
    CREATE TABLE picklists (
        id INTEGER PRIMARY KEY,
        wave_id INTEGER NOT NULL REFERENCES waves (id),
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        due_at TEXT NOT NULL,
        picker TEXT,
        station TEXT,
        claimed_at TEXT,
        finished_at TEXT,
        confirmed_location TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX picklists_status_due ON picklists (status, due_at);
    CREATE INDEX picklists_picker ON picklists (picker, status);
    CREATE TABLE orders (
        order_no TEXT PRIMARY KEY,
        channel TEXT NOT NULL DEFAULT '',
        placed_at TEXT NOT NULL,
        priority TEXT NOT NULL,
        payment_status TEXT NOT NULL,
        customer_name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT 'CN',
        province TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        district TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        postcode TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        due_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        picklist_id INTEGER REFERENCES picklists (id),
        exception_reason TEXT,
        waived TEXT NOT NULL DEFAULT '',
        cancel_reason TEXT
    );
    CREATE INDEX orders_status_due ON orders (status, due_at);
    CREATE INDEX orders_picklist ON orders (picklist_id);
    CREATE TABLE order_lines (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders (order_no),
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0),
        reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        picked INTEGER NOT NULL DEFAULT 0,
        short INTEGER NOT NULL DEFAULT 0,
        packed INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        CHECK (picked >= 0 AND short >= 0 AND picked + short <= qty)
    );
    CREATE INDEX order_lines_order ON order_lines (order_no);
    CREATE INDEX order_lines_sku ON order_lines (sku);
    CREATE TABLE order_problems (
        order_no TEXT NOT NULL REFERENCES orders (order_no),
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (order_no, code)
    );
    CREATE TABLE pick_lines (
        id INTEGER PRIMARY KEY,
        picklist_id INTEGER NOT NULL REFERENCES picklists (id),
        seq INTEGER NOT NULL,
        sku TEXT NOT NULL,
        location TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty >= 0),
        picked INTEGER NOT NULL DEFAULT 0,
        short INTEGER NOT NULL DEFAULT 0,
        short_reason TEXT,
        CHECK (picked >= 0 AND short >= 0 AND picked + short <= qty)
    );
    CREATE INDEX pick_lines_list ON pick_lines (picklist_id, seq);
    CREATE TABLE pick_shares (
        id INTEGER PRIMARY KEY,
        pick_line_id INTEGER NOT NULL REFERENCES pick_lines (id),
        order_line_id INTEGER NOT NULL REFERENCES order_lines (id),
        order_no TEXT NOT NULL REFERENCES orders (order_no),
        qty INTEGER NOT NULL CHECK (qty >= 0),
        picked INTEGER NOT NULL DEFAULT 0,
        CHECK (picked >= 0 AND picked <= qty)
    );
    CREATE INDEX pick_shares_line ON pick_shares (pick_line_id);
    CREATE INDEX pick_shares_order ON pick_shares (order_no);
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        source TEXT NOT NULL,
        raw TEXT NOT NULL,
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        sku TEXT,
        verdict TEXT NOT NULL,
        picklist_id INTEGER,
        pick_line_id INTEGER,
        order_no TEXT,
        message TEXT NOT NULL
    );
    CREATE INDEX scans_at ON scans (at);
    CREATE INDEX scans_picklist ON scans (picklist_id);
    CREATE INDEX scans_user_at ON scans (user, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_subject ON audit (subject);
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE putaway_tasks (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        order_no TEXT NOT NULL,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0),
        location TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        reason TEXT NOT NULL
    );
    """,
    # 2: stations (scanner and printer URLs), who holds a station's scanner, the print outbox.
    """
    CREATE TABLE stations (
        name TEXT PRIMARY KEY,
        scanner_url TEXT NOT NULL DEFAULT '',
        printer_url TEXT NOT NULL DEFAULT '',
        profile TEXT,
        label_width INTEGER NOT NULL DEFAULT 576 CHECK (label_width > 0),
        created_at TEXT NOT NULL
    );
    ALTER TABLE users ADD COLUMN station TEXT;
    CREATE TABLE device_leases (
        station TEXT NOT NULL,
        device TEXT NOT NULL CHECK (device IN ('scanner', 'printer')),
        user TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        PRIMARY KEY (station, device)
    );
    CREATE TABLE device_states (
        station TEXT NOT NULL,
        device TEXT NOT NULL CHECK (device IN ('scanner', 'printer')),
        status TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (station, device)
    );
    CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY,
        station TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        content TEXT NOT NULL,
        status TEXT NOT NULL CHECK (
            status IN ('queued', 'sending', 'done', 'failed', 'uncertain', 'cancelled')
        ),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT,
        reprint_of INTEGER REFERENCES print_jobs (id),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX print_jobs_queue ON print_jobs (station, status, id);
    CREATE INDEX print_jobs_subject ON print_jobs (subject);
    ALTER TABLE scans ADD COLUMN raw_hex TEXT;
    """,
    # 3: pack and ship. Carriers (a JSON spec each; no rows = the presets), waybill number pools,
    # shipments with one package (and one waybill number) per parcel, who packs where, totes,
    # the task a scan belonged to, print batches (label-first 打单 of a wave or a list).
    """
    CREATE TABLE carriers (
        code TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE waybill_numbers (
        number TEXT NOT NULL UNIQUE,
        carrier TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'used', 'void')),
        added_at TEXT NOT NULL,
        taken_at TEXT,
        package_id INTEGER
    );
    CREATE INDEX waybill_numbers_free ON waybill_numbers (carrier, status);
    CREATE TABLE shipments (
        id INTEGER PRIMARY KEY,
        order_no TEXT NOT NULL REFERENCES orders (order_no),
        status TEXT NOT NULL CHECK (status IN ('labelled', 'packed', 'shipped', 'void')),
        carrier TEXT NOT NULL,
        service TEXT NOT NULL,
        choice_reason TEXT NOT NULL,
        override_reason TEXT,
        weight_g INTEGER NOT NULL CHECK (weight_g >= 0),
        weight_source TEXT NOT NULL,
        packages INTEGER NOT NULL CHECK (packages >= 1),
        station TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        packed_by TEXT,
        packed_at TEXT,
        shipped_by TEXT,
        shipped_at TEXT,
        void_reason TEXT,
        batch_id INTEGER
    );
    CREATE INDEX shipments_order ON shipments (order_no);
    CREATE UNIQUE INDEX shipments_one_live ON shipments (order_no) WHERE status != 'void';
    CREATE INDEX shipments_status ON shipments (status, created_at);
    CREATE INDEX shipments_shipped ON shipments (shipped_at);
    CREATE TABLE packages (
        id INTEGER PRIMARY KEY,
        shipment_id INTEGER NOT NULL REFERENCES shipments (id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        waybill_no TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('labelled', 'shipped', 'void')),
        print_job_id INTEGER REFERENCES print_jobs (id),
        shipped_at TEXT,
        shipped_by TEXT
    );
    CREATE INDEX packages_shipment ON packages (shipment_id, seq);
    CREATE TABLE print_batches (
        id INTEGER PRIMARY KEY,
        wave_id INTEGER,
        picklist_id INTEGER,
        station TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE print_jobs ADD COLUMN batch_id INTEGER;
    CREATE INDEX print_jobs_batch ON print_jobs (batch_id);
    ALTER TABLE orders ADD COLUMN packer TEXT;
    ALTER TABLE orders ADD COLUMN pack_station TEXT;
    ALTER TABLE orders ADD COLUMN shipped_at TEXT;
    CREATE INDEX orders_shipped ON orders (shipped_at);
    ALTER TABLE picklists ADD COLUMN tote TEXT;
    CREATE INDEX picklists_tote ON picklists (tote);
    ALTER TABLE scans ADD COLUMN task TEXT NOT NULL DEFAULT 'pick';
    CREATE INDEX scans_order ON scans (order_no);
    """,
    # 4: SSH public keys of users (a key may name its station), failed-login counters.
    """
    CREATE TABLE user_keys (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        public_key TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        station TEXT,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        UNIQUE (user, fingerprint)
    );
    CREATE INDEX user_keys_fingerprint ON user_keys (fingerprint);
    CREATE TABLE login_failures (
        scope TEXT NOT NULL CHECK (scope IN ('user', 'peer')),
        subject TEXT NOT NULL,
        failures INTEGER NOT NULL CHECK (failures > 0),
        last_failed_at TEXT NOT NULL,
        locked_until TEXT,
        PRIMARY KEY (scope, subject)
    );
    """,
    # 5: indexes for the supervisor's screens: orders page by (due_at, order_no), all of them
    # or one status; label jobs needing attention. (Each index on orders costs every import;
    # priority and channel filters read the due-time order and skip, which is fast enough
    # for a page.)
    """
    CREATE INDEX IF NOT EXISTS orders_due ON orders (due_at, order_no);
    CREATE INDEX IF NOT EXISTS orders_status_due_no ON orders (status, due_at, order_no);
    DROP INDEX IF EXISTS orders_status_due;
    CREATE INDEX IF NOT EXISTS print_jobs_status ON print_jobs (status, id);
    """,
    # 6: orders counted by status and priority, kept by triggers, so the supervisor's overview
    # reads a few rows instead of counting 100k open orders at every change on the floor.
    """
    CREATE TABLE order_counts (
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        n INTEGER NOT NULL CHECK (n >= 0),
        PRIMARY KEY (status, priority)
    ) WITHOUT ROWID;
    INSERT INTO order_counts (status, priority, n)
        SELECT status, priority, count(*) FROM orders GROUP BY status, priority;
    CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
        INSERT INTO order_counts (status, priority, n) VALUES (new.status, new.priority, 1)
            ON CONFLICT (status, priority) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
        UPDATE order_counts SET n = n - 1
            WHERE status = old.status AND priority = old.priority;
    END;
    CREATE TRIGGER order_counts_update AFTER UPDATE OF status, priority ON orders
        WHEN old.status != new.status OR old.priority != new.priority BEGIN
        UPDATE order_counts SET n = n - 1
            WHERE status = old.status AND priority = old.priority;
        INSERT INTO order_counts (status, priority, n) VALUES (new.status, new.priority, 1)
            ON CONFLICT (status, priority) DO UPDATE SET n = n + 1;
    END;
    """,
    # 7: electronic waybills (电子面单): a carrier's API account (its key is read by the
    # process that calls the API and never shown), where each number came from and the
    # reference the API cancels it by, a parcel's routing data, numbers still to cancel at the
    # carrier, and orders waiting for their number while the API does not answer.
    """
    CREATE TABLE carrier_apis (
        carrier TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        url TEXT NOT NULL,
        account TEXT NOT NULL,
        secret TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        fallback TEXT NOT NULL DEFAULT 'wait' CHECK (fallback IN ('pool', 'wait')),
        updated_at TEXT NOT NULL
    );
    ALTER TABLE waybill_numbers ADD COLUMN source TEXT NOT NULL DEFAULT 'pool';
    ALTER TABLE waybill_numbers ADD COLUMN reference TEXT;
    ALTER TABLE packages ADD COLUMN routing TEXT;
    CREATE TABLE waybill_cancels (
        number TEXT PRIMARY KEY,
        carrier TEXT NOT NULL,
        reference TEXT NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX waybill_cancels_pending ON waybill_cancels (status, next_attempt_at);
    CREATE TABLE waybill_waits (
        order_no TEXT PRIMARY KEY REFERENCES orders (order_no),
        station TEXT NOT NULL,
        user TEXT NOT NULL,
        carrier TEXT NOT NULL,
        service TEXT,
        override_reason TEXT,
        weight_g INTEGER NOT NULL,
        packages INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX waybill_waits_due ON waybill_waits (status, next_attempt_at);
    """,
    # 8: stock per SKU x bin x lot and the stock ledger. Bins get a kind, products a lot-tracked
    # flag, a do-not-ship window before expiry and the units they hold in bins orders may not
    # be allocated from (damaged, receiving, returns), pick lines the lot they draw on. Each
    # product's bin and on-hand become one stock row with an opening ledger entry; units on
    # pick lines of orders still to ship are reserved in that row.
    """
    ALTER TABLE locations ADD COLUMN kind TEXT NOT NULL DEFAULT 'pick_face'
        CHECK (kind IN ('pick_face', 'reserve', 'receiving', 'returns', 'damaged'));
    ALTER TABLE products ADD COLUMN lot_tracked INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE products ADD COLUMN shelf_days INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE products ADD COLUMN unpickable INTEGER NOT NULL DEFAULT 0
        CHECK (unpickable >= 0 AND unpickable <= on_hand);
    ALTER TABLE pick_lines ADD COLUMN lot TEXT NOT NULL DEFAULT '';
    CREATE TABLE stock (
        sku TEXT NOT NULL REFERENCES products (sku),
        bin TEXT NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        expiry TEXT,
        on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
        reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (sku, bin, lot)
    );
    CREATE INDEX stock_bin ON stock (bin);
    CREATE TABLE stock_ledger (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('opening', 'receive', 'put_away', 'move', 'pick',
            'ship', 'return', 'adjustment', 'write_off', 'import_correction')),
        sku TEXT NOT NULL,
        bin TEXT NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        expiry TEXT,
        qty INTEGER NOT NULL CHECK (qty != 0),
        reason TEXT NOT NULL DEFAULT '',
        doc_type TEXT NOT NULL DEFAULT '',
        doc_id TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX stock_ledger_key ON stock_ledger (sku, bin, lot, qty);
    CREATE INDEX stock_ledger_bin ON stock_ledger (bin);
    CREATE INDEX stock_ledger_doc ON stock_ledger (doc_type, doc_id);
    INSERT INTO locations (code) SELECT DISTINCT location FROM products
        WHERE location != '' AND location NOT IN (SELECT code FROM locations);
    INSERT INTO stock (sku, bin, lot, on_hand, reserved, updated_at)
        SELECT sku, location, '', on_hand, 0, updated_at FROM products;
    INSERT INTO stock_ledger (at, user, station, kind, sku, bin, qty, reason, doc_type)
        SELECT updated_at, 'migration', '', 'opening', sku, location, on_hand,
            'on hand before the stock ledger', 'migration'
        FROM products WHERE on_hand != 0;
    UPDATE stock SET reserved = min(on_hand, (
        SELECT coalesce(sum(s.qty), 0) FROM pick_shares s
        JOIN pick_lines l ON l.id = s.pick_line_id
        JOIN orders o ON o.order_no = s.order_no
        WHERE l.sku = stock.sku AND l.location = stock.bin
            AND o.status NOT IN ('shipped', 'cancelled', 'returned')));
    """,
    # 8: each user's language (NULL: the site's ui.language), and scan messages, exception
    # reasons and print errors kept as a message code and its parameters (core.notices), shown
    # in the reader's language (``message``, ``exception_reason`` and ``last_error`` keep the
    # English text, and rows written before keep theirs).
    """
    ALTER TABLE users ADD COLUMN language TEXT;
    ALTER TABLE scans ADD COLUMN message_code TEXT;
    ALTER TABLE scans ADD COLUMN message_params TEXT;
    ALTER TABLE orders ADD COLUMN exception_code TEXT;
    ALTER TABLE orders ADD COLUMN exception_params TEXT;
    ALTER TABLE print_jobs ADD COLUMN error_code TEXT;
    ALTER TABLE print_jobs ADD COLUMN error_params TEXT;
    """,
    # Orders from several shops (店铺) on several platforms feed one warehouse; each platform
    # names carriers its own way (an admin's alias table over the profiles' names), and the
    # bulk-ship file (批量发货) lists each waybill once unless asked again.
    """
    ALTER TABLE orders ADD COLUMN shop TEXT NOT NULL DEFAULT '';
    CREATE TABLE carrier_aliases (
        platform TEXT NOT NULL,
        carrier TEXT NOT NULL,
        name TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, carrier)
    );
    CREATE TABLE bulk_ship_exports (
        package_id INTEGER NOT NULL REFERENCES packages (id),
        platform TEXT NOT NULL,
        exported_at TEXT NOT NULL,
        PRIMARY KEY (package_id, platform)
    );
    """,
    # Receipts (入库) with their expected lines and every unit scanned against them (refusals
    # kept), pick faces with a maximum for put-away, and cycle counts (盘点): tasks, their bins
    # and what each count found, against the ledger position the bin was counted at.
    """
    CREATE TABLE receipts (
        receipt_no TEXT PRIMARY KEY,
        supplier TEXT NOT NULL DEFAULT '',
        blind INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        dock TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE TABLE receipt_lines (
        receipt_no TEXT NOT NULL REFERENCES receipts (receipt_no),
        sku TEXT NOT NULL,
        expected INTEGER NOT NULL CHECK (expected > 0),
        lot TEXT NOT NULL DEFAULT '',
        expiry TEXT,
        source_line INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (receipt_no, sku, lot)
    );
    CREATE TABLE receipt_units (
        id INTEGER PRIMARY KEY,
        receipt_no TEXT NOT NULL REFERENCES receipts (receipt_no),
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        station TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        sku TEXT NOT NULL DEFAULT '',
        lot TEXT NOT NULL DEFAULT '',
        expiry TEXT,
        qty INTEGER NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'refused')),
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX receipt_units_receipt ON receipt_units (receipt_no, verdict);
    ALTER TABLE locations ADD COLUMN max_units INTEGER;
    CREATE TABLE counts (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        scope TEXT NOT NULL,
        open INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'))
    );
    CREATE TABLE count_bins (
        count_id INTEGER NOT NULL REFERENCES counts (id),
        bin TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'to_count'
            CHECK (status IN ('to_count', 'counted', 'recount', 'approved')),
        counted_by TEXT,
        counted_at TEXT,
        ledger_position INTEGER,
        previous_by TEXT,
        decided_by TEXT,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (count_id, bin)
    );
    CREATE TABLE count_results (
        count_id INTEGER NOT NULL,
        bin TEXT NOT NULL,
        sku TEXT NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        expiry TEXT,
        counted INTEGER NOT NULL CHECK (counted >= 0),
        expected INTEGER NOT NULL,
        PRIMARY KEY (count_id, bin, sku, lot),
        FOREIGN KEY (count_id, bin) REFERENCES count_bins (count_id, bin)
    );
    """,
    # After-sales (售后): returns received by scan, each unit one ledger entry keyed to its
    # return line (``unit_key``, so a resubmitted receipt adds nothing), unidentified parcels
    # (无信息件, no order yet), refused units kept for the record, the site's return reasons,
    # the units of each order line that came back, intercepted orders (拦截) until a
    # supervisor confirms the parcel pulled, shipments refused at the door (拒收), and the
    # replacement (换货) and re-sent (补发) orders linked to the order they replace, and the
    # returns a platform's after-sales export says are coming (matched by return waybill).
    """
    CREATE TABLE returns (
        id INTEGER PRIMARY KEY,
        order_no TEXT REFERENCES orders (order_no),
        kind TEXT NOT NULL DEFAULT 'return',
        status TEXT NOT NULL
            CHECK (status IN ('open', 'closed', 'unidentified', 'written_off')),
        waybill_no TEXT NOT NULL DEFAULT '',
        carrier TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        closed_by TEXT,
        closed_at TEXT,
        write_off_reason TEXT
    );
    CREATE INDEX returns_order ON returns (order_no, status);
    CREATE INDEX returns_waybill ON returns (waybill_no);
    CREATE TABLE return_units (
        id INTEGER PRIMARY KEY,
        return_id INTEGER NOT NULL REFERENCES returns (id),
        unit_key TEXT NOT NULL UNIQUE,
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0),
        condition TEXT NOT NULL CHECK (condition IN ('good', 'damaged')),
        reason TEXT NOT NULL DEFAULT '',
        bin TEXT NOT NULL,
        received_by TEXT NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE INDEX return_units_return ON return_units (return_id);
    CREATE TABLE return_refusals (
        id INTEGER PRIMARY KEY,
        order_no TEXT,
        waybill_no TEXT NOT NULL DEFAULT '',
        sku TEXT NOT NULL,
        qty INTEGER NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        user TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE return_reasons (
        reason TEXT PRIMARY KEY,
        position INTEGER NOT NULL
    );
    INSERT INTO return_reasons (reason, position) VALUES
        ('质量问题', 1), ('发错货', 2), ('七天无理由', 3), ('破损', 4), ('少件', 5);
    ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE intercepts (
        order_no TEXT PRIMARY KEY REFERENCES orders (order_no),
        reason TEXT NOT NULL,
        status_before TEXT NOT NULL,
        waybills TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        confirmed_by TEXT,
        confirmed_at TEXT
    );
    ALTER TABLE shipments ADD COLUMN refused_at TEXT;
    CREATE TABLE order_links (
        order_no TEXT PRIMARY KEY REFERENCES orders (order_no),
        source_order TEXT NOT NULL REFERENCES orders (order_no),
        kind TEXT NOT NULL CHECK (kind IN ('exchange', 'resend')),
        return_id INTEGER REFERENCES returns (id),
        link_key TEXT UNIQUE,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX order_links_source ON order_links (source_order);
    CREATE TABLE expected_returns (
        after_sales_no TEXT NOT NULL,
        sku TEXT NOT NULL,
        order_no TEXT NOT NULL,
        return_waybill TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        qty INTEGER NOT NULL CHECK (qty > 0),
        imported_at TEXT NOT NULL,
        PRIMARY KEY (after_sales_no, sku)
    );
    CREATE INDEX expected_returns_waybill ON expected_returns (return_waybill);
    """,
    # A pick face's minimum: below it, a replenishment from reserve is proposed.
    """
    ALTER TABLE locations ADD COLUMN min_units INTEGER CHECK (min_units >= 0);
    """,
    # tracking (物流跟踪): each parcel's events after it left, stored once however often the
    # carrier or a file repeats them; a package's latest event kept on the package for lists
    """
    CREATE TABLE tracking_events (
        id INTEGER PRIMARY KEY,
        waybill_no TEXT NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('picked_up', 'in_transit', 'out_for_delivery',
            'signed', 'problem', 'returned')),
        description TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        UNIQUE (waybill_no, at, status, description)
    );
    CREATE INDEX tracking_events_status ON tracking_events (status, at);
    ALTER TABLE packages ADD COLUMN track_status TEXT;
    ALTER TABLE packages ADD COLUMN track_at TEXT;
    ALTER TABLE packages ADD COLUMN signed_at TEXT;
    ALTER TABLE packages ADD COLUMN problem TEXT;
    """,
    # the e-waybill layout a station's printer takes: 76x130 (一联单) or 100x180 (二联单)
    """
    ALTER TABLE stations ADD COLUMN label_layout TEXT NOT NULL DEFAULT '76x130'
        CHECK (label_layout IN ('76x130', '100x180'));
    """,
    # Merge (合单) and split (拆单), customer classes and product categories: who bought
    # (buyer id, else a hash of the phone) and how the order was paid, the platform's merge
    # token for masked recipients, the order an order was merged into or split from, the merge
    # log with every order number, the shop's VIP and blacklist, and the catalog's category
    # and oversize flag.
    """
    ALTER TABLE orders ADD COLUMN buyer TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN cod INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN merge_token TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN customer_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN customer_class TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN merged_into TEXT;
    ALTER TABLE orders ADD COLUMN split_from TEXT;
    ALTER TABLE orders ADD COLUMN vip_carrier TEXT NOT NULL DEFAULT '';
    CREATE INDEX orders_customer ON orders (shop, customer_key);
    CREATE INDEX orders_merged_into ON orders (merged_into);
    CREATE INDEX orders_split_from ON orders (split_from);
    CREATE TABLE merges (
        id INTEGER PRIMARY KEY,
        lead_order_no TEXT NOT NULL REFERENCES orders (order_no),
        status TEXT NOT NULL CHECK (status IN ('proposed', 'merged', 'refused')),
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX merges_status ON merges (status);
    CREATE TABLE merge_orders (
        merge_id INTEGER NOT NULL REFERENCES merges (id),
        order_no TEXT NOT NULL REFERENCES orders (order_no),
        lines TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (merge_id, order_no)
    );
    CREATE INDEX merge_orders_order ON merge_orders (order_no);
    CREATE TABLE customer_lists (
        shop TEXT NOT NULL,
        customer_key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('vip', 'blacklist')),
        priority TEXT NOT NULL DEFAULT '',
        carrier TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (shop, customer_key)
    );
    ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT '';
    ALTER TABLE products ADD COLUMN ships_alone INTEGER NOT NULL DEFAULT 0;
    """,
    # Put-away looks at reserve bins only, not at every bin of the warehouse; a count finds
    # the units picked from its bin without reading every pick line.
    """
    CREATE INDEX locations_kind ON locations (kind);
    CREATE INDEX pick_lines_location ON pick_lines (location);
    """,
    # The SKU an expected exchange (换货) sends instead of the one coming back ('': the same).
    """
    ALTER TABLE expected_returns ADD COLUMN exchange_sku TEXT NOT NULL DEFAULT '';
    """,
    # Units received into a tote ('' : none), and the units put away by scanning that tote,
    # so that a tote scanned at put-away knows what it still holds.
    """
    ALTER TABLE receipt_units ADD COLUMN tote TEXT NOT NULL DEFAULT '';
    CREATE INDEX receipt_units_tote ON receipt_units (tote) WHERE tote != '';
    CREATE TABLE tote_putaways (
        id INTEGER PRIMARY KEY,
        tote TEXT NOT NULL,
        sku TEXT NOT NULL,
        lot TEXT NOT NULL DEFAULT '',
        qty INTEGER NOT NULL CHECK (qty > 0),
        putaway TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX tote_putaways_tote ON tote_putaways (tote);
    """,
    # Every scan writes a scans row and an audit row. No query looks a scan's audit row up by
    # subject or time (the scans table and its indexes answer those), so the audit's two
    # indexes leave scans out (AUDIT_INDEXED): two index pages fewer written at every scan.
    """
    DROP INDEX audit_subject;
    DROP INDEX audit_at;
    CREATE INDEX audit_subject ON audit (subject) WHERE action NOT GLOB 'scan.*';
    CREATE INDEX audit_at ON audit (at) WHERE action NOT GLOB 'scan.*';
    """,
    # An order's pick list, ship time and merge or split parent are empty until it gets
    # them, and nothing looks orders up by an empty one: their indexes hold only the orders
    # that have them, so importing an order no longer writes four index entries for nothing.
    """
    DROP INDEX orders_picklist;
    CREATE INDEX orders_picklist ON orders (picklist_id) WHERE picklist_id IS NOT NULL;
    DROP INDEX orders_shipped;
    CREATE INDEX orders_shipped ON orders (shipped_at) WHERE shipped_at IS NOT NULL;
    DROP INDEX orders_merged_into;
    CREATE INDEX orders_merged_into ON orders (merged_into) WHERE merged_into IS NOT NULL;
    DROP INDEX orders_split_from;
    CREATE INDEX orders_split_from ON orders (split_from) WHERE split_from IS NOT NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

#: The audit rows the audit's indexes hold (all but scans'): a query reading the audit by
#: subject or by time says it too, or SQLite cannot use the index and reads the whole table.
AUDIT_INDEXED = "action NOT GLOB 'scan.*'"

-- The bundled sample database for `make run`: a small shop.
-- Built into examples/sample/sample.db by `make sample`.
PRAGMA journal_mode = DELETE;
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    country     TEXT,
    signed_up   DATE
);
CREATE TABLE orders (
    order_id     INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(customer_id),
    ordered_at   TIMESTAMP NOT NULL,
    status       TEXT NOT NULL,
    amount       DECIMAL(10,2) NOT NULL,
    discount     REAL,
    gift         BOOLEAN NOT NULL DEFAULT 0,
    notes        TEXT,
    updated_at   TIMESTAMP NOT NULL
);
INSERT INTO customers VALUES
 (1, 'Ada Lovelace',     'ada@example.org',    'GB', '2024-01-15'),
 (2, 'Grace Hopper',     'grace@example.org',  'US', '2024-02-01'),
 (3, 'Ken Thompson',     NULL,                 'US', '2024-03-10'),
 (4, 'Émilie du Châtelet','emilie@example.org','FR', '2024-04-22'),
 (5, 'Sofia Kovalevskaya','sofia@example.org', 'RU', NULL),
 (6, '李白',             'libai@example.org',  'CN', '2024-06-30');
-- 1000 orders generated with a recursive CTE so the sample stays small as text.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO orders
SELECT i,
       1 + (i * 7) % 6,
       strftime('%Y-%m-%d %H:%M:%S', '2025-01-01 08:00:00', '+' || (i * 37) || ' minutes'),
       CASE i % 5 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'new' WHEN 2 THEN 'paid'
                  WHEN 3 THEN 'shipped' ELSE 'delivered' END,
       printf('%.2f', 5 + ((i * 7919) % 50000) / 100.0),
       CASE WHEN i % 4 = 0 THEN NULL ELSE ((i * 31) % 30) / 100.0 END,
       i % 10 = 0,
       CASE WHEN i % 50 = 0 THEN 'call before delivery, "fragile"' WHEN i % 97 = 0 THEN 'line one
line two' ELSE NULL END,
       strftime('%Y-%m-%d %H:%M:%S', '2025-01-01 08:00:00', '+' || (i * 37 + 5) || ' minutes')
FROM n;

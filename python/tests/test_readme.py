"""The README's Python example runs as written (against a shop.db it makes)."""
import os
import re
import sqlite3

import pyarrow as pa

import etlconn

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def test_readme_python_example(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)
    assert len(blocks) == 1
    db = sqlite3.connect(tmp_path / "shop.db")
    db.execute("create table orders(order_id integer, amount decimal(10,2))")
    db.executemany("insert into orders values (?, ?)", [(1, "5.00"), (2, "12.50"), (3, "99.99")])
    db.commit()
    db.close()
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)
    out = capsys.readouterr().out
    assert "healthy=True" in out and "3 " in out
    assert isinstance(scope["table"], pa.Table) and scope["table"].num_rows == 2
    assert os.path.exists(scope["result"].items[0].path)
    assert etlconn.cache_size() == 0

"""Opening the workspace database (SQLite file in WAL mode, or PostgreSQL by URL) and migrating it with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from xlpy.errors import XlpyError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: PostgreSQL sessions migrating at once (two servers starting together) queue on it.
_MIGRATION_LOCK = 7_461_202_612
WRITE = {"xlpy_write": True}  # execution option: SQLite takes the write lock at BEGIN (no upgrade deadlock)


class DatabaseError(XlpyError):
    """The workspace database cannot be opened or migrated; the message says why, in Chinese."""


def database_url(value: str) -> str:
    """`postgresql://…` (psycopg 3), `sqlite:///file`, or a plain file path (SQLite)."""
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def open_database(value: str) -> Engine:
    """An engine on the database, migrated to the current schema; DatabaseError when that is impossible."""
    url = database_url(value)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"数据库地址无法识别：{value}（应为 postgresql://… 或 SQLite 文件路径）") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite(parsed.database or "", shown)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    else:
        raise DatabaseError(f"不支持的数据库：{shown}（支持 SQLite 与 PostgreSQL）")
    try:
        migrate(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"无法打开数据库 {shown}：{_reason(exc)}") from exc
    return engine


def _sqlite(path: str, shown: str) -> Engine:
    if not path or path == ":memory:":
        raise DatabaseError("工作台数据库须为文件（多个请求、多个进程共用），不能是内存数据库")
    folder = Path(path).parent
    if not folder.is_dir():
        raise DatabaseError(f"无法打开数据库 {shown}：目录 {folder} 不存在")
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Transactions are ours (BEGIN below), not pysqlite's implicit ones.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives a kill -9 and a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")  # other processes' writers: wait, do not fail
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("xlpy_write") else "BEGIN")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creating it in an empty database)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:
            heads = ", ".join(ScriptDirectory.from_config(config).get_heads())
            raise DatabaseError(
                f"数据库的结构版本无法升级到本程序的版本（{heads}）：{exc}。"
                "可能是较新版本的 xlpy 写过这个数据库；请使用相同或更新版本的 xlpy。"
            ) from exc


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__

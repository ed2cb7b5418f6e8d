package etlconn;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.NanoTime;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes the parquet-mr files of tests/integration/test_cli_dw_parquet_mr.py
 * into the directory given as the only argument. Every value is a formula of
 * the row number i; the Python test computes the same formulas on its side
 * (keep both in step). Row i of an optional column is NULL when i % 7 == 3.
 */
public final class ParquetMrWriter {
    static final int N = 1000;
    /** 2024-01-31T12:34:56Z in microseconds since the epoch. */
    static final long BASE_US = 1706704496000000L;
    static final long DAY_US = 86400000000L;

    static final String SCHEMA = "message mr {\n"
        + " required int64 id;\n"
        + " optional int32 i32 (INTEGER(32,true));\n"
        + " optional int64 i64 (INTEGER(64,true));\n"
        + " optional int32 u8 (INTEGER(8,false));\n"
        + " optional int32 u16 (INTEGER(16,false));\n"
        + " optional int32 u32 (INTEGER(32,false));\n"
        + " optional int64 u64 (INTEGER(64,false));\n"
        + " optional int96 ts96;\n"
        + " optional int64 ts_ms_utc (TIMESTAMP(MILLIS,true));\n"
        + " optional int64 ts_ms_local (TIMESTAMP(MILLIS,false));\n"
        + " optional int64 ts_us_utc (TIMESTAMP(MICROS,true));\n"
        + " optional int64 ts_us_local (TIMESTAMP(MICROS,false));\n"
        + " optional int64 ts_ns_utc (TIMESTAMP(NANOS,true));\n"
        + " optional int64 ts_ns_local (TIMESTAMP(NANOS,false));\n"
        + " optional int32 t_ms (TIME(MILLIS,true));\n"
        + " optional int64 t_us (TIME(MICROS,false));\n"
        + " optional int64 t_ns (TIME(NANOS,true));\n"
        + " optional int32 d (DATE);\n"
        + " optional int32 dec_i32 (DECIMAL(9,2));\n"
        + " optional int64 dec_i64 (DECIMAL(18,4));\n"
        + " optional fixed_len_byte_array(16) dec_flba (DECIMAL(38,10));\n"
        + " optional binary dec_bin (DECIMAL(30,5));\n"
        + " optional float f32;\n"
        + " optional double f64;\n"
        + " optional boolean flag;\n"
        + " optional binary s (STRING);\n"
        + " optional binary j (JSON);\n"
        + " optional fixed_len_byte_array(16) u (UUID);\n"
        + " optional group l (LIST) { repeated group list { optional int32 element; } }\n"
        + " optional group m (MAP) { repeated group key_value {"
        + " required binary key (STRING); optional int64 value; } }\n"
        + "}";

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        MessageType schema = MessageTypeParser.parseMessageType(SCHEMA);
        String[] codecs = {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD"};
        for (WriterVersion v : WriterVersion.values()) {
            for (String c : codecs) {
                String name = "mr_" + (v == WriterVersion.PARQUET_1_0 ? "v1" : "v2") + "_" + c.toLowerCase();
                write(dir.resolve(name + ".parquet"), schema, v, CompressionCodecName.valueOf(c), true);
            }
            String name = "mr_" + (v == WriterVersion.PARQUET_1_0 ? "v1" : "v2") + "_plain_snappy";
            write(dir.resolve(name + ".parquet"), schema, v, CompressionCodecName.SNAPPY, false);
        }
        writeSubMicro(dir.resolve("mr_sub_microsecond.parquet"));
    }

    static ParquetWriter<Group> open(Path path, MessageType schema, WriterVersion v, CompressionCodecName codec,
                                     boolean dict) throws IOException {
        Files.deleteIfExists(path);
        return ExampleParquetWriter.builder(new LocalOutputFile(path))
            .withConf(new PlainParquetConfiguration())
            .withType(schema)
            .withWriterVersion(v)
            .withCompressionCodec(codec)
            .withDictionaryEncoding(dict)
            .withPageSize(2048)           // many pages per chunk
            .withRowGroupSize(64 * 1024L) // several row groups
            .build();
    }

    static void write(Path path, MessageType schema, WriterVersion v, CompressionCodecName codec, boolean dict)
            throws IOException {
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = open(path, schema, v, codec, dict)) {
            for (int i = 0; i < N; i++) {
                w.write(row(f.newGroup(), i));
            }
        }
    }

    static Group row(Group g, int i) {
        g.add("id", (long) i);
        if (i % 7 == 3) {
            return g; // every optional column NULL
        }
        g.add("i32", (int) ((i * 7919L) % 2000000 - 1000000));
        g.add("i64", i * -123456789012345L + 42);
        g.add("u8", 255 - i % 256);
        g.add("u16", 65535 - i);
        g.add("u32", (int) (4294967295L - i * 3L));
        g.add("u64", -2L - i * 1000003L); // 18446744073709551614 - i * 1000003 as unsigned
        long us = BASE_US + (i - N / 2) * 98765432123L;
        long ms = Math.floorDiv(us, 1000L);
        g.add("ts96", new NanoTime((int) (Math.floorDiv(us, DAY_US) + 2440588), Math.floorMod(us, DAY_US) * 1000L));
        g.add("ts_ms_utc", ms);
        g.add("ts_ms_local", ms);
        g.add("ts_us_utc", us);
        g.add("ts_us_local", us);
        g.add("ts_ns_utc", us * 1000L);
        g.add("ts_ns_local", us * 1000L);
        long tus = (i * 431234567L) % DAY_US;
        g.add("t_ms", (int) (tus / 1000));
        g.add("t_us", tus);
        g.add("t_ns", tus * 1000L);
        g.add("d", (i - N / 2) * 97);
        g.add("dec_i32", i * 999999 - 499999999);
        g.add("dec_i64", (i - N / 2) * 1876543210987654L);
        BigInteger big = BigInteger.TEN.pow(37).subtract(BigInteger.valueOf(i).shiftLeft(66)).subtract(
            BigInteger.valueOf(i));
        g.add("dec_flba", Binary.fromConstantByteArray(fixed16(i % 2 == 1 ? big.negate() : big)));
        g.add("dec_bin", Binary.fromConstantByteArray(
            BigInteger.valueOf(i - N / 2).multiply(new BigInteger("123456789012345678901")).toByteArray()));
        g.add("f32", i % 50 == 1 ? Float.NaN : i % 50 == 2 ? Float.POSITIVE_INFINITY
              : i % 50 == 5 ? Float.NEGATIVE_INFINITY : (i - N / 2) * 0.25f);
        g.add("f64", i % 50 == 1 ? Double.NaN : i % 50 == 2 ? Double.POSITIVE_INFINITY
              : i % 50 == 5 ? Double.NEGATIVE_INFINITY : (i - N / 2) * 1.1e-3);
        g.add("flag", i % 2 == 0);
        g.add("s", "h\u00e9llo-" + (i % 40) + "-" + "x".repeat(i % 5));
        g.add("j", "{\"i\": " + i + ", \"s\": \"\u00e9" + i + "\", \"l\": [" + i + ", 2.5, null]}");
        byte[] u = java.nio.ByteBuffer.allocate(16).putLong(0x0123456789abcdefL ^ i).putLong(i * 1000003L).array();
        g.add("u", Binary.fromConstantByteArray(u));
        if (i % 9 != 4) {
            Group l = g.addGroup("l");
            for (int j = 0; j < i % 4; j++) {
                Group e = l.addGroup("list");
                if ((i + j) % 5 != 0) {
                    e.add("element", i * 10 + j);
                }
            }
        }
        if (i % 8 != 1) {
            Group m = g.addGroup("m");
            for (int j = 0; j < i % 4; j++) {
                Group kv = m.addGroup("key_value");
                kv.add("key", "k" + j);
                if (j != 2) {
                    kv.add("value", (long) (i + j));
                }
            }
        }
        return g;
    }

    /** Big-endian two's complement in exactly 16 bytes (sign-extended). */
    static byte[] fixed16(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[16];
        Arrays.fill(out, (byte) (v.signum() < 0 ? 0xff : 0));
        System.arraycopy(raw, 0, out, 16 - raw.length, raw.length);
        return out;
    }

    /** A nanosecond timestamp with sub-microsecond digits: etlconn refuses it. */
    static void writeSubMicro(Path path) throws IOException {
        MessageType s = MessageTypeParser.parseMessageType(
            "message r { optional int64 ts (TIMESTAMP(NANOS,false)); }");
        try (ParquetWriter<Group> w = open(path, s, WriterVersion.PARQUET_1_0, CompressionCodecName.SNAPPY, true)) {
            w.write(new SimpleGroupFactory(s).newGroup().append("ts", 1700000000123456789L));
        }
    }
}

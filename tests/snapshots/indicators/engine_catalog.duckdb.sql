-- student_results:additive
SELECT
  *
FROM (
  SELECT
    "t5"."org_id",
    "t5"."year",
    "t5"."procedure",
    "t5"."subject",
    "t5"."grade",
    "t5"."n0",
    "t5"."d0",
    "t5"."n1",
    "t5"."d1",
    "t5"."n2",
    "t5"."d2",
    "t5"."n3",
    "t5"."c3",
    "t5"."n4",
    "t5"."c4",
    "t2"."territory_id"
  FROM (
    SELECT
      "t3"."org_id",
      "t3"."year",
      "t3"."procedure",
      "t3"."subject",
      "t3"."grade",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."mark" = 2
          )
          THEN 1
          ELSE 0
        END
      ) AS "n0",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          ) AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d0",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          AND (
            "t3"."test_score" < "t3"."_min_threshold"
          )
          THEN 1
          ELSE 0
        END
      ) AS "n1",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          ) AND (
            "t3"."test_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d1",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."journal_mark" IS NOT NULL
          )
          AND (
            "t3"."mark" < "t3"."journal_mark"
          )
          THEN 1
          ELSE 0
        END
      ) AS "n2",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."journal_mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d2",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          ) AND (
            "t3"."primary_score" IS NOT NULL
          )
          THEN "t3"."primary_score"
          ELSE 0.0
        END
      ) AS "n3",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          ) AND (
            "t3"."primary_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c3",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          ) AND (
            "t3"."primary_score" IS NOT NULL
          )
          THEN "t3"."primary_score"
          ELSE 0.0
        END
      ) AS "n4",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'VPR'
          ) AND (
            "t3"."primary_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c4"
    FROM (
      SELECT
        "t1"."batch_id",
        "t1"."org_id",
        "t1"."year",
        "t1"."procedure",
        "t1"."subject",
        "t1"."grade",
        "t1"."student",
        "t1"."class_label",
        "t1"."variant",
        "t1"."primary_score",
        "t1"."test_score",
        "t1"."mark",
        "t1"."journal_mark",
        "t1"."passed",
        "t1"."level",
        CASE
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'bio'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'chem'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'eng'
          )
          THEN 22.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'geo'
          )
          THEN 37.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'hist'
          )
          THEN 32.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'inf'
          )
          THEN 40.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'lit'
          )
          THEN 32.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'math_profile'
          )
          THEN 27.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'phys'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'ru'
          )
          THEN 24.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS "_min_threshold"
      FROM "student_results" AS "t1"
      WHERE
        "t1"."procedure" IN ('EGE', 'OGE', 'VPR')
    ) AS "t3"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t5"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t5"."org_id" = "t2"."org_id"
) AS "t6"
ORDER BY
  "t6"."year" ASC,
  "t6"."territory_id" ASC NULLS FIRST,
  "t6"."org_id" ASC;

-- task_scores:additive
SELECT
  *
FROM (
  SELECT
    "t7"."org_id",
    "t7"."year",
    "t7"."subject",
    "t7"."grade",
    "t7"."task",
    "t7"."n0",
    "t7"."c0",
    "t7"."n1",
    "t7"."c1",
    "t7"."c0" * "t3"."max_score" AS "d0",
    "t7"."c1" * "t3"."max_score" AS "d1",
    "t4"."territory_id"
  FROM (
    SELECT
      "t5"."org_id",
      "t5"."year",
      "t5"."subject",
      "t5"."grade",
      "t5"."task",
      SUM(CAST("t5"."score" AS DOUBLE)) AS "n0",
      COUNT("t5"."score") AS "c0",
      SUM(CAST("t5"."score" AS DOUBLE)) AS "n1",
      COUNT("t5"."score") AS "c1"
    FROM (
      SELECT
        *
      FROM "task_scores" AS "t2"
      WHERE
        "t2"."procedure" IN ('VPR')
    ) AS "t5"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t7"
  LEFT OUTER JOIN "task_maxima" AS "t3"
    ON "t3"."procedure" = 'VPR'
    AND "t7"."subject" = "t3"."subject"
    AND "t7"."grade" = "t3"."grade"
    AND "t7"."year" = "t3"."year"
    AND "t7"."task" = "t3"."task"
  LEFT OUTER JOIN "org_territory" AS "t4"
    ON "t7"."org_id" = "t4"."org_id"
) AS "t8"
ORDER BY
  "t8"."year" ASC,
  "t8"."territory_id" ASC NULLS FIRST,
  "t8"."org_id" ASC;

-- olympiad_results:additive
SELECT
  *
FROM (
  SELECT
    "t4"."org_id",
    "t4"."year",
    "t4"."procedure",
    "t4"."subject",
    "t4"."grade",
    "t4"."n0",
    "t4"."c0",
    "t2"."territory_id"
  FROM (
    SELECT
      "t0"."org_id",
      "t0"."year",
      "t0"."procedure",
      "t0"."subject",
      "t0"."grade",
      SUM(CASE WHEN "t0"."score" IS NOT NULL THEN 1 ELSE 0 END) AS "n0",
      SUM(CASE WHEN "t0"."score" IS NOT NULL THEN 1 ELSE 0 END) AS "c0"
    FROM "olympiad_results" AS "t0"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t4"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t4"."org_id" = "t2"."org_id"
) AS "t5"
ORDER BY
  "t5"."year" ASC,
  "t5"."territory_id" ASC NULLS FIRST,
  "t5"."org_id" ASC;

-- t.vpr_participants:distinct
SELECT
  *
FROM (
  SELECT
    "t5"."org_id",
    "t5"."year",
    "t5"."n0",
    "t2"."territory_id"
  FROM (
    SELECT
      "t3"."org_id",
      "t3"."year",
      COUNT(DISTINCT "t3"."student") AS "n0"
    FROM (
      SELECT
        *
      FROM "student_results" AS "t1"
      WHERE
        "t1"."procedure" = 'VPR'
    ) AS "t3"
    GROUP BY
      1,
      2
  ) AS "t5"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t5"."org_id" = "t2"."org_id"
) AS "t6"
ORDER BY
  "t6"."year" ASC,
  "t6"."territory_id" ASC NULLS FIRST,
  "t6"."org_id" ASC;

-- t.ege_all_70:per_student
SELECT
  *
FROM (
  SELECT
    "t6"."org_id",
    "t6"."year",
    "t6"."n0",
    "t6"."d0",
    "t2"."territory_id"
  FROM (
    SELECT
      "t4"."org_id",
      "t4"."year",
      SUM(CASE WHEN "t4"."lowest" >= 70 THEN 1 ELSE 0 END) AS "n0",
      SUM(CASE WHEN "t4"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "d0"
    FROM (
      SELECT
        "t3"."org_id",
        "t3"."year",
        "t3"."student",
        MIN("t3"."test_score") AS "lowest"
      FROM (
        SELECT
          *
        FROM "student_results" AS "t1"
        WHERE
          "t1"."procedure" = 'EGE' AND "t1"."test_score" IS NOT NULL
      ) AS "t3"
      GROUP BY
        1,
        2,
        3
    ) AS "t4"
    GROUP BY
      1,
      2
  ) AS "t6"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t6"."org_id" = "t2"."org_id"
) AS "t7"
ORDER BY
  "t7"."year" ASC,
  "t7"."territory_id" ASC NULLS FIRST,
  "t7"."org_id" ASC;

-- t.ege_220:per_student
SELECT
  *
FROM (
  SELECT
    "t7"."org_id",
    "t7"."year",
    "t7"."n0",
    "t7"."d0",
    "t2"."territory_id"
  FROM (
    SELECT
      "t5"."org_id",
      "t5"."year",
      SUM(CASE WHEN (
        "t5"."sat" >= 3
      ) AND (
        "t5"."best3" >= 220
      ) THEN 1 ELSE 0 END) AS "n0",
      SUM(CASE WHEN "t5"."sat" >= 3 THEN 1 ELSE 0 END) AS "d0"
    FROM (
      SELECT
        "t4"."org_id",
        "t4"."year",
        "t4"."student",
        SUM(
          CASE
            WHEN (
              "t4"."_rank_best3" < 3
            ) AND (
              "t4"."test_score" IS NOT NULL
            )
            THEN "t4"."test_score"
            ELSE 0.0
          END
        ) AS "best3",
        COUNT("t4"."test_score") AS "sat"
      FROM (
        SELECT
          "t3"."batch_id",
          "t3"."org_id",
          "t3"."year",
          "t3"."procedure",
          "t3"."subject",
          "t3"."grade",
          "t3"."student",
          "t3"."class_label",
          "t3"."variant",
          "t3"."primary_score",
          "t3"."test_score",
          "t3"."mark",
          "t3"."journal_mark",
          "t3"."passed",
          "t3"."level",
          ROW_NUMBER() OVER (
            PARTITION BY "t3"."org_id", "t3"."year", "t3"."student"
            ORDER BY "t3"."test_score" DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) - 1 AS "_rank_best3"
        FROM (
          SELECT
            *
          FROM "student_results" AS "t1"
          WHERE
            "t1"."procedure" = 'EGE' AND "t1"."test_score" IS NOT NULL
        ) AS "t3"
      ) AS "t4"
      GROUP BY
        1,
        2,
        3
    ) AS "t5"
    GROUP BY
      1,
      2
  ) AS "t7"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t7"."org_id" = "t2"."org_id"
) AS "t8"
ORDER BY
  "t8"."year" ASC,
  "t8"."territory_id" ASC NULLS FIRST,
  "t8"."org_id" ASC;

-- t.medallists_70:per_student
SELECT
  *
FROM (
  SELECT
    "t11"."org_id",
    "t11"."year",
    "t11"."n0",
    "t11"."d0",
    "t3"."territory_id"
  FROM (
    SELECT
      "t9"."org_id",
      "t9"."year",
      SUM(CASE WHEN "t9"."lowest" >= 70 THEN 1 ELSE 0 END) AS "n0",
      SUM(CASE WHEN "t9"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "d0"
    FROM (
      SELECT
        "t8"."org_id",
        "t8"."year",
        "t8"."student",
        "t8"."lowest"
      FROM (
        SELECT
          "t4"."org_id",
          "t4"."year",
          "t4"."student",
          MIN("t4"."test_score") AS "lowest"
        FROM (
          SELECT
            *
          FROM "student_results" AS "t1"
          WHERE
            "t1"."procedure" = 'EGE' AND "t1"."test_score" IS NOT NULL
        ) AS "t4"
        GROUP BY
          1,
          2,
          3
      ) AS "t8"
      SEMI JOIN (
        SELECT DISTINCT
          "t2"."org_id",
          "t2"."year",
          "t2"."student"
        FROM "medals" AS "t2"
        WHERE
          "t2"."org_id" IS NOT NULL
      ) AS "t6"
        ON "t8"."org_id" = "t6"."org_id"
        AND "t8"."year" = "t6"."year"
        AND "t8"."student" = "t6"."student"
    ) AS "t9"
    GROUP BY
      1,
      2
  ) AS "t11"
  LEFT OUTER JOIN "org_territory" AS "t3"
    ON "t11"."org_id" = "t3"."org_id"
) AS "t12"
ORDER BY
  "t12"."year" ASC,
  "t12"."territory_id" ASC NULLS FIRST,
  "t12"."org_id" ASC;
